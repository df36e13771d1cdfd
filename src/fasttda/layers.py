"""Every conv layer of a network in one call: the seed's Figure 6.

``analyze_layers`` runs ``analyze`` on each layer of a ``{name: kernel}``
dict (what ``fasttda.load_weights`` and ``fasttda.nets.conv_weights``
return), in the network's order. Layers whose slices have no spatial shape
(1×1) or are not square are skipped, as is a layer ``analyze`` refuses (too
few slices for the chosen k, every slice constant): each is logged and listed
in ``skipped`` with its reason, so one odd layer does not stop a deep network.
3×3 layers are analysed on the DCT sphere; other square kernels (5×5, 7×7 of
a ResNet or AlexNet stem) in pixel space (see ``analyze``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ._checks import as_array
from .analysis import Analysis, analyze

__all__ = ["LayerAnalyses", "analyze_layers", "select_layers"]

log = logging.getLogger("fasttda")


class LayerAnalyses(dict):
    """``{layer name: Analysis}`` in the network's order, with ``skipped``: ``{layer name: reason}``
    and ``shapes``: ``{layer name: kernel shape}`` of every layer looked at (skipped ones included).

    Parameters
    ----------
    items : mapping or iterable of (str, Analysis) pairs
        The analyses, as for ``dict``; ``skipped`` and ``shapes`` start empty.

    Examples
    --------
    >>> from fasttda.layers import LayerAnalyses
    >>> result = LayerAnalyses()
    >>> result.skipped["fc"] = "not a convolution"
    >>> dict(result), result.skipped
    ({}, {'fc': 'not a convolution'})
    >>> import fasttda
    >>> result = fasttda.analyze_layers(fasttda.load_weights("vgg16.pt"))  # doctest: +SKIP
    >>> result.skipped  # doctest: +SKIP
    {}
    """

    def __init__(self, items=()):
        super().__init__(items)
        self.skipped: dict[str, str] = {}
        self.shapes: dict[str, tuple] = {}


def select_layers(names, spec) -> list[str]:
    """The layer names a selection picks, in the network's order.

    Parameters
    ----------
    names : iterable of str
        Every layer's name, in the network's order (e.g. a ``load_weights`` dict).
    spec : str, int or list
        ``"all"``; 1-based positions and ranges (``3``, ``"2-13"``); layer
        names; or a comma-separated mix (``"1,3,features.10.weight"``). An
        item of digits is always a position, so a layer named ``"2"`` is
        picked by its position.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        An item names no layer or is out of range.

    Examples
    --------
    >>> select_layers(["conv1", "conv2", "conv3"], "1,3")
    ['conv1', 'conv3']
    >>> select_layers(["conv1", "conv2", "conv3"], "2-3")
    ['conv2', 'conv3']
    """
    names = list(names)
    n = len(names)
    if isinstance(spec, str) and spec.strip().lower() == "all":
        return names
    items = (
        [s.strip() for s in spec.split(",")]
        if isinstance(spec, str)
        else [str(s) for s in ([spec] if isinstance(spec, (int, np.integer)) else spec)]
    )
    if not items or any(not s for s in items):
        raise ValueError(
            f"an empty item in the layer selection {spec!r}: give 'all', positions 1..{n}, "
            "ranges such as 2-5, or layer names, separated by commas"
        )
    picked = set()
    for item in items:
        span = re.fullmatch(r"(\d+)(?:-(\d+))?", item)
        if span is None:
            if item not in names:
                raise ValueError(f"there is no layer named {item!r}; the layers are {', '.join(names)}")
            picked.add(names.index(item))
            continue
        first, last = int(span[1]), int(span[2] or span[1])
        if not 1 <= first <= last <= n:
            raise ValueError(f"layer {item} is out of range: there are conv layers 1..{n}")
        picked.update(range(first - 1, last))
    return [names[i] for i in sorted(picked)]


def _skip_reason(w: np.ndarray) -> str | None:
    kh, kw = w.shape[-2:]
    if kh == kw == 1:
        return "1x1 kernels have no spatial shape"
    if kh != kw:
        return f"{kh}x{kw} kernels are not square"
    return None


def analyze_layers(weights, *, layers=None, progress=None, **kwargs) -> LayerAnalyses:
    """``analyze`` on every conv layer of a network.

    Parameters
    ----------
    weights : dict or str or Path
        ``{layer name: kernel (out, in, kh, kw)}`` in the network's order (from
        ``fasttda.load_weights`` or ``fasttda.nets.conv_weights``), or a
        weights file to read with ``load_weights``.
    layers : str, int or list, optional
        Which layers (``select_layers``' syntax: ``"all"``, ``"2-13"``, names
        or positions); all when None.
    progress : callable, optional
        Called after each layer as ``progress(name, analysis, reason)``, with
        ``analysis`` None and ``reason`` the reason when the layer was skipped.
    **kwargs
        ``analyze``'s keywords (k, p, n_landmarks, sample, seed, n_threads, ...).

    Returns
    -------
    LayerAnalyses
        ``{layer name: Analysis}`` in the network's order; ``skipped`` holds the
        layers not analysed with the reason (1×1 or non-square kernels, or what
        ``analyze`` said), ``shapes`` every kernel shape.

    Raises
    ------
    TypeError
        ``weights`` is not a dict of arrays or a path.
    ValueError
        A kernel is not 4-D, the selection is wrong, or every layer was skipped.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> w = {"conv1": rng.normal(size=(64, 3, 3, 3)), "proj": rng.normal(size=(16, 64, 1, 1))}
    >>> result = analyze_layers(w, n_landmarks=50)
    >>> list(result), result.skipped
    (['conv1'], {'proj': '1x1 kernels have no spatial shape'})
    """
    if isinstance(weights, (str, Path)):
        from .weights import load_weights

        weights = load_weights(weights)
    if not isinstance(weights, Mapping):
        raise TypeError(
            f"weights must be a dict {{layer name: kernel}} or a weights file, got {type(weights).__name__}"
        )
    if not weights:
        raise ValueError("weights holds no layer")
    names = list(weights) if layers is None else select_layers(list(weights), layers)
    out = LayerAnalyses()
    for name in names:
        w = weights[name]
        w = as_array(w)
        if w.ndim != 4:
            raise ValueError(f"layer {name} must be a conv kernel (out, in, kh, kw), got shape {w.shape}")
        out.shapes[name] = tuple(int(d) for d in w.shape)
        reason = _skip_reason(w)
        if reason is None:
            try:
                out[name] = analyze(w, **kwargs)
            except ValueError as err:  # too few slices, all constant: this layer only
                reason = f"not analysed: {err}"
        if reason is not None:
            out.skipped[name] = reason
            log.info("layer %s %s skipped: %s", name, out.shapes[name], reason)
        if progress is not None:
            progress(name, out.get(name), reason)
    if not out:
        raise ValueError(f"no layer could be analysed: {'; '.join(f'{k}: {v}' for k, v in out.skipped.items())}")
    return out


def top_bars(a: Analysis, n: int = 3) -> str:
    """The n most persistent H1 bars of an analysis, as text."""
    h1 = a.persistence[1] if len(a.persistence) > 1 else np.empty(0)
    return ", ".join(f"{x:.2f}" for x in h1[:n]) or "none"
