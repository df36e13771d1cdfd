"""Conv weights out of networks, ensembles and stores, as filter vectors.

Layers are numbered as in the seed (1 = first conv layer). Weights are read one
(seed, checkpoint, layer) array at a time, so a study over many seeds and layers
never holds more than the arrays of the layer it is describing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..filters import FilterVectors, filter_vectors
from ..weights import LayerWeights
from .store import WeightStore

__all__ = ["conv_weights", "iter_filter_vectors", "iter_weights", "layer_filters"]

CHANNELS = ("each", "mean")


def conv_weights(model) -> LayerWeights:
    """The kernels of every 2-D convolution of a torch module, under their module names.

    Parameters
    ----------
    model : torch.nn.Module
        Any network; every ``nn.Conv2d`` (and subclass) in it counts, grouped
        and depthwise ones included, each once even when shared, and every
        ``CircleConv2d`` / ``KleinConv2d`` (the kernels of its angles).

    Returns
    -------
    fasttda.weights.LayerWeights
        ``{module name: (out, in / groups, kh, kw) float32 array}`` in module
        registration order (``model.named_modules()``), the order of
        application for ``nn.Sequential`` and most networks; ``groups`` maps
        every name to the layer's ``groups`` (``in`` of a depthwise layer).
        The dict goes straight into ``fasttda.analyze_layers``.

    Raises
    ------
    TypeError
        ``model`` is not a torch module.
    ValueError
        It has no 2-D convolution, or one whose weights are not initialised yet.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Conv2d(8, 8, 3, groups=8))
    >>> w = conv_weights(net)
    >>> {k: v.shape for k, v in w.items()}, w.groups
    ({'0': (8, 3, 3, 3), '2': (8, 1, 3, 3)}, {'0': 1, '2': 8})
    """
    import torch

    from .topological import TOPOLOGICAL

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    out = LayerWeights(source=type(model).__name__)
    for name, module in model.named_modules():
        if not isinstance(module, (torch.nn.Conv2d, *TOPOLOGICAL)):
            continue
        name = name or "(model)"
        if isinstance(module.weight, torch.nn.parameter.UninitializedParameter):
            raise ValueError(f"conv layer {name} is lazy and not initialised yet: run one forward pass first")
        out[name] = np.ascontiguousarray(module.weight.detach().float().cpu().numpy())
        out.groups[name] = int(module.groups)
    if not out:
        raise ValueError(f"the {type(model).__name__} has no 2-D convolution (nn.Conv2d)")
    return out


def _slices(w: np.ndarray, channels: str) -> np.ndarray:
    if channels == "each":
        return w
    if channels == "mean":
        return w.mean(axis=1, keepdims=True)
    raise ValueError(
        f"channels must be 'each' (every (out, in) slice is a point) or 'mean' "
        f"(one point per output channel, averaged over inputs), got {channels!r}"
    )


def _module_store(module, layers) -> WeightStore:
    import torch

    from .models import conv_weight, conv_weight_names

    names = conv_weight_names(module, layers)
    store = WeightStore()
    with torch.no_grad():
        store.put(0, {layer: conv_weight(module, key).detach() for layer, key in names.items()})
    return store


def _as_store(source, layers=None) -> WeightStore:
    if isinstance(source, WeightStore):
        return source
    if hasattr(source, "store") and isinstance(source.store, WeightStore):  # an Ensemble or a WeightRecorder
        return source.store
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            return WeightStore(path)
        import torch

        state = torch.load(path, map_location="cpu", weights_only=True)
        convs = [k for k, v in state.items() if k.endswith("weight") and v.ndim == 4]
        store = WeightStore()
        store.put(0, {i + 1: state[k] for i, k in enumerate(convs) if layers is None or i + 1 in layers})
        return store
    import torch

    if isinstance(source, torch.nn.Module):
        return _module_store(source, layers)
    raise TypeError(
        "source must be an Ensemble, a WeightRecorder, a WeightStore (or its folder), a torch module "
        f"or a .pth state_dict file, got {type(source).__name__}"
    )


def _pick(values, wanted, what):
    if wanted is None:
        return list(values)
    wanted = [int(w) for w in ([wanted] if np.isscalar(wanted) else wanted)]
    missing = [w for w in wanted if w not in values]
    if missing:
        raise ValueError(f"no {what} {missing} in the source; it has {what} {list(values)}")
    return wanted


def iter_weights(source, layers=None, iterations=None, seeds=None, channels: str = "each"):
    """Yields (seed, iteration, layer, weight (out, in, k, k) float32) one array at a time.

    ``channels="mean"`` averages each filter over its input channels (out, 1, k, k).

    Parameters
    ----------
    source : WeightStore, folder, or torch module
        Where the weights are: a ``WeightStore`` (or its folder) of recorded checkpoints, or one network.
    layers, iterations, seeds : list of int, optional
        The ones to read (default: all there are).
    channels : {"each", "mean"}

    Yields
    ------
    (int, int, int, ndarray)
        Seed, iteration, layer and the weight.

    Raises
    ------
    ValueError
        For a layer, iteration or seed the source does not hold, or an unknown ``channels``.

    Examples
    --------
    >>> from fasttda.nets.extract import iter_weights
    >>> from fasttda.nets.models import mnist2
    >>> [(layer, w.shape) for _, _, layer, w in iter_weights(mnist2())]
    [(1, (64, 1, 3, 3)), (2, (32, 64, 3, 3))]
    """
    _slices(np.zeros((1, 1, 1, 1)), channels)
    store = _as_store(source, layers)
    runs = _pick(store.runs(), seeds, "seeds")
    its = _pick(store.iterations(), iterations, "iterations")
    lays = _pick(store.layers(), layers, "layers")
    have = set(store.keys())
    for run in runs:
        for it in its:
            for layer in lays:
                if (run, it, layer) in have:
                    yield run, it, layer, _slices(store.get(it, layer, run=run), channels)


def layer_filters(
    source, layer: int, iteration: int | None = None, seeds=None, channels: str = "each", **kwargs
) -> FilterVectors:
    """The filter vectors of one layer at one checkpoint, pooled over seeds (``FilterVectors.source[:, 0]``
    indexes the seeds in order). ``kwargs`` go to ``fasttda.filter_vectors`` (norm, min_contrast, top, space).

    Parameters
    ----------
    source : WeightStore, folder, or torch module
        Where the weights are: a ``WeightStore`` (or its folder) of recorded checkpoints, or one network.
    layer : int
    iteration : int, optional
        Default: the last recorded.
    seeds : list of int, optional
    channels : {"each", "mean"}

    Returns
    -------
    FilterVectors

    Raises
    ------
    ValueError
        When the source holds no weights of that layer at that iteration.

    Examples
    --------
    >>> from fasttda.nets.extract import layer_filters
    >>> fv = layer_filters("runs/recorded", layer=1, iteration=1000)  # doctest: +SKIP
    """
    store = _as_store(source, [layer])
    if iteration is None:
        iteration = store.iterations()[-1]
    arrays = [w for _, _, _, w in iter_weights(store, [layer], [iteration], seeds, channels)]
    if not arrays:
        raise ValueError(f"the source holds no weights of layer {layer} at iteration {iteration}")
    return filter_vectors(arrays, **kwargs)


def iter_filter_vectors(source, layers=None, iterations=None, seeds=None, channels: str = "each", **kwargs):
    """Yields ((iteration, layer), FilterVectors pooled over seeds) for every checkpoint and layer, reading
    only one layer's arrays at a time.

    Parameters
    ----------
    source : WeightStore, folder, or torch module
        Where the weights are: a ``WeightStore`` (or its folder) of recorded checkpoints, or one network.
    layers, iterations, seeds : list of int, optional
    channels : {"each", "mean"}
    **kwargs
        Passed to ``fasttda.filter_vectors``.

    Yields
    ------
    ((int, int), FilterVectors)

    Examples
    --------
    >>> from fasttda.nets.extract import iter_filter_vectors
    >>> for (it, layer), fv in iter_filter_vectors("runs/recorded", layers=[1]):  # doctest: +SKIP
    ...     print(it, layer, len(fv))
    """
    store = _as_store(source, layers)
    for it in _pick(store.iterations(), iterations, "iterations"):
        for layer in _pick(store.layers(), layers, "layers"):
            yield (it, layer), layer_filters(store, layer, it, seeds, channels, **kwargs)
