"""The torch front end: datasets, the seed's networks, many-seed training, weights as filter vectors.

This subpackage imports torch; ``import fasttda`` does not. Install with
``pip install 'fasttda[torch]'``.

    from fasttda import nets
    ens = nets.train_ensemble("mnist2", "mnist5k", seeds=range(16), iterations=2000,
                              checkpoints=[100, 500, 1000, 2000], layers=[1, 2])
    fv = nets.layer_filters(ens, layer=1, iteration=500)   # a fasttda.FilterVectors
"""

try:
    import torch  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised only without torch
    raise ImportError("fasttda.nets needs torch: pip install 'fasttda[torch]'") from e

from . import datasets, models  # noqa: E402
from .datasets import Dataset, load  # noqa: E402
from .extract import conv_weights, iter_filter_vectors, iter_weights, layer_filters
from .models import cifar2, conv_layers, load_vgg16, mnist2, vgg16, vgg_small
from .recorder import WeightRecorder
from .store import WeightStore
from .topological import CircleConv2d, KleinConv2d, LocalisedConv2d
from .train import Ensemble, pick_device, train_ensemble, train_plain

__all__ = [
    "CircleConv2d",
    "Dataset",
    "Ensemble",
    "KleinConv2d",
    "LocalisedConv2d",
    "WeightRecorder",
    "WeightStore",
    "cifar2",
    "conv_layers",
    "conv_weights",
    "datasets",
    "iter_filter_vectors",
    "iter_weights",
    "layer_filters",
    "load",
    "load_vgg16",
    "mnist2",
    "models",
    "pick_device",
    "train_ensemble",
    "train_plain",
    "vgg16",
    "vgg_small",
]
