"""Stubs for the compiled core (``_core_portable`` or ``_core_avx2``, whichever
``fasttda._core`` picks). Each kernel has a float32 and a float64 version;
arrays must be C-contiguous of that dtype (the fasttda wrappers see to it)."""

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32] | npt.NDArray[np.float64]

build_type: str
isa: str  # "portable" or "avx2"

def hardware_threads() -> int: ...
def cpu_has_avx2() -> bool: ...
def available_memory() -> int: ...
def codensity(X: Floats, k: int, n_threads: int | None = None) -> Floats: ...
def knn(X: Floats, k: int, n_threads: int | None = None) -> tuple[npt.NDArray[np.int64], Floats]: ...
def dense_core(X: Floats, k: int, count: int, n_threads: int | None = None) -> tuple[npt.NDArray[np.int64], Floats]: ...
def codensity_part(
    X: Floats, k: int, part: int, parts: int, n_threads: int | None = None
) -> tuple[npt.NDArray[np.int64], Floats]: ...
def knn_part(
    X: Floats, k: int, part: int, parts: int, n_threads: int | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Floats]: ...
def maxmin(
    X: Floats, n_landmarks: int, first: int, n_threads: int | None = None
) -> tuple[npt.NDArray[np.int64], float]: ...
def radius_graph(X: Floats, r: float, n_threads: int | None = None) -> tuple[npt.NDArray[np.int64], Floats]: ...

class MapperParams:
    """The options of one Mapper run, by name (see fasttda.mapper)."""

    n_intervals: list[int]
    overlap: list[float]
    balanced: bool
    clusterer: str  # "single_linkage" or "dbscan"
    height: float | None  # None: the first gap of the merge heights
    bins: int
    eps: float
    min_samples: int
    min_points: int
    triangles: bool
    prim_max: int | None  # first-gap cut off an MST (Prim up to this size); None: without a tree
    def __init__(self, **fields: object) -> None: ...

def mapper(X: Floats, lens: npt.NDArray[np.float64], params: MapperParams, n_threads: int | None = None) -> dict: ...
def euclidean_mst(
    X: Floats, prim_max: int | None = None, n_threads: int | None = None
) -> tuple[npt.NDArray[np.int64], Floats]: ...
def rips_points(
    X: Floats, maxdim: int, thresh: float, coeff: int, n_threads: int | None = None, do_cocycles: bool = False
) -> dict: ...
def rips_matrix(
    D: Floats, maxdim: int, thresh: float, coeff: int, n_threads: int | None = None, do_cocycles: bool = False
) -> dict: ...
def rips_graph(
    n: int,
    edges: npt.NDArray[np.int64],
    dist: Floats,
    maxdim: int,
    thresh: float,
    coeff: int,
    n_threads: int | None = None,
    do_cocycles: bool = False,
) -> dict: ...
def bottleneck(
    A: npt.NDArray[np.float64], B: npt.NDArray[np.float64], matching: bool = False
) -> float | tuple[float, npt.NDArray[np.int64] | None]: ...
def wasserstein(
    A: npt.NDArray[np.float64],
    B: npt.NDArray[np.float64],
    order: float,
    internal_p: float,
    delta: float,
    matching: bool = False,
) -> float | tuple[float, npt.NDArray[np.int64] | None]: ...
def diagram_distances(
    diagrams: list[npt.NDArray[np.float64]],
    metric: str,
    order: float,
    internal_p: float,
    delta: float,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...

class _testing:
    """Test hooks, not part of fasttda's API."""

    @staticmethod
    def spin(seconds: float, n_threads: int | None = None, throw_on_thread: int = -1) -> None: ...
    @staticmethod
    def dense_core(
        X: Floats, k: int, count: int, radius: float, n_threads: int | None = None
    ) -> tuple[npt.NDArray[np.int64], Floats]: ...
