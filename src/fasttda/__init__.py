"""fasttda: topological data analysis of what convolutional networks learn.

The public API is flat: ``fasttda.codensity``, ``fasttda.dense_core``,
``fasttda.maxmin``, ``fasttda.rips`` and friends; each checks its input and runs on the
multi-threaded C++ core with the GIL released.
"""

from importlib.metadata import PackageNotFoundError, version

from . import datasets
from .homology import rips
from .neighbours import codensity, dense_core, knn, maxmin, radius_graph

try:
    __version__ = version("fasttda")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["__version__", "codensity", "dense_core", "knn", "maxmin", "radius_graph", "rips"]
