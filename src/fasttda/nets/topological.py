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

__all__ = ["CircleConv2d", "KleinConv2d", "TOPOLOGICAL", "circle_kernels", "even_angles", "klein_kernels"]
