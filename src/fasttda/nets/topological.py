"""Convolutions whose kernels are the filters of the primary circle or of the Klein bottle.

The analysis finds that layer 1 of trained CNNs converges to the primary circle of oriented
edges (and natural images add the Klein bottle). Love, Filippenko, Maroulas and Carlsson
("Topological convolutional layers for deep learning", JMLR 24, 2023) build that shape in:
their CF and KF layers take their kernels from the circle and Klein bottle models.

- ``CircleConv2d``: output channel j uses the patch F_θⱼ(x, y) ∝ cos θⱼ·x + sin θⱼ·y.
- ``KleinConv2d``: output channel j uses the Klein bottle patch at (θ1ⱼ, θ2ⱼ): θ1 the
  orientation, θ2 mixing the edge (linear profile) and the line (quadratic profile).

The kernels come from ``fasttda.models.klein_formula``, the function the analysis fits with,
evaluated in torch: mean zero and unit L2 contrast, as ``filter_vectors`` normalises filters.
Angles are spread evenly and fixed (buffers: nothing in the layer but the bias learns), or
with ``learn_angles=True`` they are the layer's parameters, so the kernels move only along the
model. An input with several channels is read with the same spatial kernel on every channel,
summed: the weight of (out j, in i) is the patch of channel j for every i, one filter per
output channel as the paper's CF and KF layers assign one filter to each output slice (an
RGB image is thus seen through its channel sum). A per-channel weight would add learned
parameters, which the fixed layers are meant not to have.

``LocalisedConv2d`` is the paper's localised second layer: its output channels are placed on
the same model as the first layer's, and each reads only the first-layer channels whose
patches lie within a radius of its own (the others' weights are held at zero).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .. import models as _models


@lru_cache(maxsize=32)
def _grid(k: int, device: str, dtype: torch.dtype):
    return tuple(torch.as_tensor(a, dtype=dtype, device=device) for a in _models.patch_grid(k, "L2"))


def klein_kernels(theta1: torch.Tensor, theta2: torch.Tensor, k: int = 3) -> torch.Tensor:
    """(…, k, k) Klein bottle patches at angles (…) as a differentiable torch function (L2 contrast).

    Parameters
    ----------
    theta1 : torch.Tensor
        Orientations θ1, any shape (…); the patches take its dtype and device.
    theta2 : torch.Tensor
        Edge ↔ line angles θ2, the same shape as ``theta1``.
    k : int
        Side of the square patch.

    Returns
    -------
    torch.Tensor
        (…, k, k) patches, each of mean zero and unit L2 contrast.

    Examples
    --------
    >>> import torch
    >>> kern = klein_kernels(torch.zeros(4), torch.zeros(4))
    >>> kern.shape, abs(float(kern[0].sum())) < 1e-6
    (torch.Size([4, 3, 3]), True)
    """
    x, y, C, G = _grid(int(k), str(theta1.device), theta1.dtype)
    return _models.klein_formula(torch.cos, torch.sin, theta1, theta2, x, y, C, G).unflatten(-1, (k, k))


def circle_kernels(theta: torch.Tensor, k: int = 3) -> torch.Tensor:
    """(…, k, k) primary circle patches F_θ ∝ cos θ·x + sin θ·y (``klein_kernels(θ, π/2)``).

    Parameters
    ----------
    theta : torch.Tensor
        Angles θ, any shape (…); the patches take its dtype and device.
    k : int
        Side of the square patch.

    Returns
    -------
    torch.Tensor
        (…, k, k) patches, each of mean zero and unit L2 contrast.

    Examples
    --------
    >>> import torch
    >>> circle_kernels(torch.linspace(0, 3, 8), k=5).shape
    torch.Size([8, 5, 5])
    """
    return klein_kernels(theta, torch.full_like(theta, math.pi / 2), k)


def even_angles(kind: str, n: int) -> np.ndarray:
    """(n, 1) circle angles 2πj/n, or (n, 2) Klein angles on a grid of θ1 ∈ [0, π) × θ2 ∈ [0, 2π).

    For the Klein bottle the grid is m × m with m = ⌈√n⌉ (the paper's √n × √n when n is a
    square), θ1 varying fastest; when n is not a square the first n grid points are used.
    (θ1, θ2) over [0, π) × [0, 2π) covers the Klein bottle once, since (θ1 + π, θ2) ~ (θ1, −θ2).

    Parameters
    ----------
    kind : {"circle", "klein"}
        The model whose angles are spread; any other value is read as ``"klein"``.
    n : int
        Number of angles (one per output channel).

    Returns
    -------
    numpy.ndarray
        (n, 1) angles for the circle, (n, 2) angles (θ1, θ2) for the Klein bottle.

    Examples
    --------
    >>> even_angles("circle", 4).ravel() / np.pi
    array([0. , 0.5, 1. , 1.5])
    >>> even_angles("klein", 5).shape
    (5, 2)
    """
    if kind == "circle":
        return (2 * np.pi * np.arange(n) / n)[:, None]
    m = math.isqrt(n - 1) + 1 if n > 1 else 1
    t1, t2 = np.meshgrid(np.pi * np.arange(m) / m, 2 * np.pi * np.arange(m) / m)
    return np.stack([t1.ravel(), t2.ravel()], axis=1)[:n]


class _ModelConv2d(nn.Module):
    """A convolution whose kernels are model patches at per-channel angles (fixed or learned)."""

    kind = ""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        learn_angles: bool = False,
        bias: bool = True,
        *,
        stride: int = 1,
        padding: int = 0,
    ):
        super().__init__()
        for name, v, low in (
            ("in_channels", in_channels, 1),
            ("out_channels", out_channels, 1),
            ("stride", stride, 1),
            ("padding", padding, 0),
        ):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise ValueError(f"{name} must be an integer of at least {low}, got {v!r}")
        if (
            isinstance(kernel_size, bool)
            or not isinstance(kernel_size, (int, np.integer))
            or kernel_size < 2
            or kernel_size % 2 == 0
        ):
            raise ValueError(
                f"kernel_size must be an odd integer of at least 3 (the patch has a centre), got {kernel_size!r}"
            )
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = (int(kernel_size), int(kernel_size))
        self.stride, self.padding, self.dilation, self.groups = (int(stride),) * 2, (int(padding),) * 2, (1, 1), 1
        self.learn_angles = bool(learn_angles)
        angles = torch.as_tensor(even_angles(self.kind, self.out_channels), dtype=torch.get_default_dtype())
        if self.learn_angles:
            self.angles = nn.Parameter(angles)
        else:
            self.register_buffer("angles", angles)
        if bias:
            bound = 1 / math.sqrt(self.in_channels * kernel_size * kernel_size)  # nn.Conv2d's default
            self.bias = nn.Parameter(torch.empty(self.out_channels).uniform_(-bound, bound))
        else:
            self.register_parameter("bias", None)

    def kernels(self, angles: torch.Tensor) -> torch.Tensor:
        """(…, out, k, k) spatial kernels of angles (…, out, n_angles)."""
        raise NotImplementedError

    def weight_of(self, angles: torch.Tensor) -> torch.Tensor:
        """(…, out, in, k, k) conv weight of angles (…, out, n_angles): the kernel repeated over inputs."""
        kern = self.kernels(angles)
        return kern.unsqueeze(-3).expand(*kern.shape[:-2], self.in_channels, *kern.shape[-2:])

    @property
    def weight(self) -> torch.Tensor:
        """The (out, in, k, k) weight the layer convolves with, as an ``nn.Conv2d`` stores it."""
        return self.weight_of(self.angles)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size[0]}, "
            f"learn_angles={self.learn_angles}, bias={self.bias is not None}"
        )


class CircleConv2d(_ModelConv2d):
    """A 2-D convolution whose kernels are primary circle patches F_θ(x, y) ∝ cos θ·x + sin θ·y.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out (at least 1). Output channel j has angle θⱼ = 2πj / out_channels
        (fixed) or starts there (learned).
    kernel_size : int
        Side k of the square kernel: odd, at least 3.
    learn_angles : bool
        False (default): the angles are a buffer and the kernels never change (the paper's CF
        layer). True: the angles are an ``nn.Parameter`` (out, 1) and train.
    bias : bool
        A learned bias per output channel, initialised as ``nn.Conv2d`` does.
    stride, padding : int
        As in ``nn.Conv2d`` (keyword only; zero padding).

    Raises
    ------
    ValueError
        kernel_size even or below 3, or a channel count below 1.

    Examples
    --------
    >>> import torch
    >>> conv = CircleConv2d(1, 8)
    >>> conv(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 8, 26, 26])
    >>> [n for n, _ in conv.named_parameters()], [n for n, _ in conv.named_buffers()]
    (['bias'], ['angles'])
    """

    kind = "circle"

    def kernels(self, angles: torch.Tensor) -> torch.Tensor:
        return circle_kernels(angles[..., 0], self.kernel_size[0])


class KleinConv2d(_ModelConv2d):
    """A 2-D convolution whose kernels are Klein bottle patches (θ1 orientation, θ2 edge ↔ line).

    The patch at (θ1, θ2) is ``fasttda.models.klein_patches(θ1, θ2)``: sin θ2 times the
    normalised edge u = cos θ1·x + sin θ1·y plus cos θ2 times the normalised line Q(u) = 2u² − 1.
    Fixed angles lie on a grid of θ1 ∈ [0, π) × θ2 ∈ [0, 2π) (see ``even_angles``), the paper's
    KF layer; ``learn_angles=True`` makes them an (out, 2) parameter.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out (at least 1); the angles of the output channels are
        ``even_angles("klein", out_channels)`` (fixed) or start there (learned).
    kernel_size : int
        Side k of the square kernel: odd, at least 3.
    learn_angles : bool
        False (default): the angles are a buffer (the paper's KF layer). True: they are an
        ``nn.Parameter`` (out, 2) and train.
    bias : bool
        A learned bias per output channel, initialised as ``nn.Conv2d`` does.
    stride, padding : int
        As in ``nn.Conv2d`` (keyword only; zero padding).

    Raises
    ------
    ValueError
        kernel_size even or below 3, or a channel count below 1.

    Examples
    --------
    >>> import torch
    >>> conv = KleinConv2d(3, 16, learn_angles=True)
    >>> conv.weight.shape, conv.angles.shape, conv.angles.requires_grad
    (torch.Size([16, 3, 3, 3]), torch.Size([16, 2]), True)
    """

    kind = "klein"

    def kernels(self, angles: torch.Tensor) -> torch.Tensor:
        return klein_kernels(angles[..., 0], angles[..., 1], self.kernel_size[0])


TOPOLOGICAL = (CircleConv2d, KleinConv2d)

# The default neighbourhood of ``LocalisedConv2d``: about a quarter of the 64 → 32 connections
# of ``mnist2`` kept, on either model (17 of 64 inputs per output on the circle, 9–19 on the
# Klein bottle, whose 2-D neighbourhoods hold fewer channels at the same radius).
DEFAULT_WIDTH = {"circle": math.pi / 4, "klein": 2 * math.pi / 5}


def _as_angles(kind: str, angles, name: str) -> np.ndarray:
    a = np.asarray(angles.detach().cpu() if isinstance(angles, torch.Tensor) else angles, dtype=float)
    cols = 1 if kind == "circle" else 2
    if a.ndim == 1 and cols == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] != cols or len(a) < 1 or not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite {kind} angles of shape (n, {cols}) with n ≥ 1, got {a.shape}")
    return a


def patch_angle(kind: str, a, b, k: int = 3) -> np.ndarray:
    """(len(b), len(a)) angles between the model patches at angles ``b`` and at ``a``: arccos⟨P_b, P_a⟩.

    The patches are unit vectors (mean zero, unit L2 contrast), so this is the great-circle
    distance between the filters themselves: the L² distance of the filters, by which Love et al.
    measure nearness on the models, in another unit (‖P_a − P_b‖ = 2 sin(angle / 2)). On
    the circle it is the geodesic distance |θa − θb| taken around the circle, in [0, π]
    (⟨P_θa, P_θb⟩ = cos(θa − θb) on the symmetric grid); on the Klein bottle it is well defined
    on the bottle, since the patch at (θ1 + π, θ2) is the patch at (θ1, −θ2).

    Parameters
    ----------
    kind : {"circle", "klein"}
    a, b : array-like
        (n, 1) or (n,) circle angles, or (n, 2) Klein angles (θ1, θ2).
    k : int
        Side of the patch grid.

    Returns
    -------
    numpy.ndarray
        (len(b), len(a)) angles in [0, π], symmetric under swapping ``a`` and ``b`` (transposed).

    Raises
    ------
    ValueError
        An unknown kind, or angles of the wrong shape.

    Examples
    --------
    >>> d = patch_angle("circle", [[0.0], [6.0]], [[0.5]])
    >>> np.round(d, 4)  # 6 rad is 0.2832 rad before 2π: the distance wraps around
    array([[0.5   , 0.7832]])
    """
    if kind not in ("circle", "klein"):
        raise ValueError(f"kind must be 'circle' or 'klein', got {kind!r}")
    a, b = _as_angles(kind, a, "a"), _as_angles(kind, b, "b")
    # numpy, not torch: the mask is built the same under a torch.device("meta") context
    if kind == "circle":
        pa, pb = _models.circle_patches(a[:, 0], k), _models.circle_patches(b[:, 0], k)
    else:
        pa, pb = _models.klein_patches(a[:, 0], a[:, 1], k), _models.klein_patches(b[:, 0], b[:, 1], k)
    cos = pb.reshape(len(b), -1) @ pa.reshape(len(a), -1).T
    return np.arccos(np.clip(cos, -1.0, 1.0))


def neighbourhood(kind: str, in_angles, out_angles, width: float, k: int = 3) -> np.ndarray:
    """(out, in) boolean mask: output channel j may read input channel i when their patches lie
    within ``width`` of each other (``patch_angle`` ≤ width + 1e-6 rad: channels exactly at the
    radius, as on evenly spread angles, are kept even when the angles were rounded to float32).

    Parameters
    ----------
    kind : {"circle", "klein"}
    in_angles, out_angles : array-like
        The angles of the input and of the output channels, as ``patch_angle`` reads them.
    width : float
        The neighbourhood's radius in radians, in (0, π].
    k : int
        Side of the patch grid the distance is measured on.

    Returns
    -------
    numpy.ndarray
        (len(out_angles), len(in_angles)) booleans.

    Raises
    ------
    ValueError
        ``width`` outside (0, π], or bad angles.

    Examples
    --------
    >>> m = neighbourhood("circle", even_angles("circle", 8), even_angles("circle", 8), np.pi / 4)
    >>> m[0].astype(int)  # channel 0 reads itself and one neighbour on each side, 7 across 2π
    array([1, 1, 0, 0, 0, 0, 0, 1])
    """
    if isinstance(width, bool) or not isinstance(width, (int, float, np.floating, np.integer)):
        raise ValueError(f"width must be a number of radians in (0, π], got {width!r}")
    if not 0 < float(width) <= math.pi:
        raise ValueError(f"width must be a number of radians in (0, π], got {width!r}")
    return patch_angle(kind, in_angles, out_angles, k) <= float(width) + 1e-6


class LocalisedConv2d(nn.Conv2d):
    """A convolution whose output channels read only the input channels of nearby orientation.

    The second layer of Love et al.'s CF/KF networks, localised on the model: the input
    channels are the circle or Klein channels of a first layer, at ``in_angles``; the output
    channels are placed on the same model, at ``out_angles``; the weight from input i to output
    j is zero unless their patches lie within ``width`` of each other (``neighbourhood``).
    Inside the neighbourhood the weights are ordinary learned weights.

    The layer convolves with ``weight * mask`` (``mask`` a buffer of shape (out, in, 1, 1)), so
    the masked weights get no gradient; ``weight`` is also zero there from the start, so it stays
    zero under any gradient optimizer and ``weight`` is the weight the layer uses (what the
    analysis reads). The kept weights are initialised as ``nn.Conv2d`` initialises a dense layer
    with the same fan-in (uniform ±1/√(kept inputs · k²) for each output channel), so a localised
    layer starts at the scale of a dense one.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out (at least 1).
    kernel_size : int
        Side of the square kernel (at least 1).
    kind : {"circle", "klein"}
        The model the channels are placed on.
    width : float, optional
        The neighbourhood's radius in radians (``patch_angle``), in (0, π]. Default
        ``DEFAULT_WIDTH[kind]``: π/4 on the circle, 2π/5 on the Klein bottle (each keeps about a
        quarter of the 64 → 32 connections of ``mnist2``).
    bias : bool
        A learned bias per output channel.
    in_angles : array-like, optional
        (in, 1) or (in, 2) angles of the input channels; default ``even_angles(kind, in_channels)``,
        the fixed angles of a ``CircleConv2d`` / ``KleinConv2d`` first layer.
    out_angles : array-like, optional
        Angles of the output channels; default ``even_angles(kind, out_channels)``.
    stride, padding : int
        As in ``nn.Conv2d`` (keyword only; zero padding).

    Raises
    ------
    ValueError
        A bad channel count, kind, width or angle array, or an output channel with no input in
        its neighbourhood.

    Examples
    --------
    >>> import torch
    >>> conv = LocalisedConv2d(64, 32, kind="circle")
    >>> conv(torch.zeros(2, 64, 13, 13)).shape
    torch.Size([2, 32, 11, 11])
    >>> conv.mask.shape, int(conv.mask.sum(1).min()), int(conv.mask.sum(1).max())  # 17 of 64 inputs
    (torch.Size([32, 64, 1, 1]), 17, 17)
    >>> bool((conv.weight * (1 - conv.mask)).abs().max() == 0)
    True
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        kind: str = "circle",
        width: float | None = None,
        bias: bool = True,
        *,
        in_angles=None,
        out_angles=None,
        stride: int = 1,
        padding: int = 0,
    ):
        for name, v, low in (
            ("in_channels", in_channels, 1),
            ("out_channels", out_channels, 1),
            ("kernel_size", kernel_size, 1),
            ("stride", stride, 1),
            ("padding", padding, 0),
        ):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise ValueError(f"{name} must be an integer of at least {low}, got {v!r}")
        if kind not in DEFAULT_WIDTH:
            raise ValueError(f"kind must be 'circle' or 'klein', got {kind!r}")
        super().__init__(int(in_channels), int(out_channels), int(kernel_size), int(stride), int(padding), bias=bias)
        self.kind = kind
        self.width = float(DEFAULT_WIDTH[kind] if width is None else width)
        a_in = even_angles(kind, self.in_channels) if in_angles is None else in_angles
        a_out = even_angles(kind, self.out_channels) if out_angles is None else out_angles
        if len(_as_angles(kind, a_in, "in_angles")) != self.in_channels:
            raise ValueError(f"in_angles must give one angle per input channel ({self.in_channels})")
        if len(_as_angles(kind, a_out, "out_angles")) != self.out_channels:
            raise ValueError(f"out_angles must give one angle per output channel ({self.out_channels})")
        keep = neighbourhood(kind, a_in, a_out, width=self.width, k=self.kernel_size[0])
        kept = keep.sum(1)
        if kept.min() == 0:
            raise ValueError(
                f"output channel {int(np.argmin(kept))} has no input channel within width {self.width:.3g} rad; "
                "widen the neighbourhood"
            )
        dtype = self.weight.dtype
        self.register_buffer("mask", torch.as_tensor(keep, dtype=dtype)[:, :, None, None])
        bound = torch.as_tensor(1 / np.sqrt(kept * self.kernel_size[0] * self.kernel_size[1]), dtype=dtype)
        with torch.no_grad():  # nn.Conv2d's uniform initialisation at each output channel's kept fan-in
            self.weight.uniform_(-1, 1).mul_(bound[:, None, None, None]).mul_(self.mask)
            if self.bias is not None:
                self.bias.uniform_(-1, 1).mul_(bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, kind={self.kind!r}, width={self.width:.4g}"


__all__ = [
    "CircleConv2d",
    "DEFAULT_WIDTH",
    "KleinConv2d",
    "LocalisedConv2d",
    "TOPOLOGICAL",
    "circle_kernels",
    "even_angles",
    "klein_kernels",
    "neighbourhood",
    "patch_angle",
]
