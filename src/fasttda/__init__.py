"""fasttda: topological data analysis of what convolutional networks learn.

The public API is flat: ``fasttda.analyze`` for the whole pipeline, and the
stages it is made of — ``filter_vectors``, ``codensity``, ``dense_core``,
``maxmin``, ``rips``, ``mapper`` — each checking its input and running on the
multi-threaded C++ core with the GIL released.
"""

from importlib.metadata import PackageNotFoundError, version

from . import circular, datasets, models, plot, report
from .analysis import Analysis, analyze
from .circular import circular_coordinates, circular_correlation, representative_loop
from .distances import bottleneck, diagram_distances, wasserstein
from .filters import FilterVectors, filter_vectors
from .homology import rips
from .layers import analyze_layers
from .mapper import MapperGraph, mapper
from .neighbours import codensity, dense_core, knn, maxmin, radius_graph
from .stability import Stability, stability
from .weights import load_weights


def __getattr__(name):
    # Studies need zarr (and torch to run one): imported on first use, not with fasttda.
    if name in ("load_study", "run_study"):
        from . import study

        return getattr(study, name)
    raise AttributeError(f"module 'fasttda' has no attribute {name!r}")


try:
    __version__ = version("fasttda")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "Analysis",
    "FilterVectors",
    "MapperGraph",
    "Stability",
    "analyze",
    "analyze_layers",
    "bottleneck",
    "circular",
    "circular_coordinates",
    "circular_correlation",
    "codensity",
    "datasets",
    "dense_core",
    "diagram_distances",
    "filter_vectors",
    "knn",
    "load_weights",
    "load_study",
    "mapper",
    "maxmin",
    "models",
    "plot",
    "radius_graph",
    "representative_loop",
    "report",
    "rips",
    "run_study",
    "stability",
    "wasserstein",
]
