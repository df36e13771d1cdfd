"""Stubs for the compiled core. Each kernel has a float32 and a float64 version;
arrays must be C-contiguous of that dtype (the fasttda wrappers see to it)."""

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32] | npt.NDArray[np.float64]

build_type: str

def hardware_threads() -> int: ...
def spin(seconds: float, n_threads: int | None = None, throw_on_thread: int = -1) -> None: ...
def codensity(X: Floats, k: int, n_threads: int | None = None) -> Floats: ...
def knn(X: Floats, k: int, n_threads: int | None = None) -> tuple[npt.NDArray[np.int64], Floats]: ...
def dense_core(X: Floats, k: int, count: int, n_threads: int | None = None) -> npt.NDArray[np.int64]: ...
def maxmin(X: Floats, n_landmarks: int, first: int, n_threads: int | None = None) -> tuple[npt.NDArray[np.int64], float]: ...
def radius_graph(X: Floats, r: float, n_threads: int | None = None) -> tuple[npt.NDArray[np.int64], Floats]: ...
def mapper(
    X: Floats,
    lens: npt.NDArray[np.float64],
    n_intervals: list[int],
    overlap: list[float],
    balanced: bool,
    clusterer: str,
    height: float,
    bins: int,
    eps: float,
    min_samples: int,
    min_points: int,
    triangles: bool,
    prim_max: int | None = None,
    n_threads: int | None = None,
) -> dict: ...
def euclidean_mst(X: Floats, prim_max: int | None = None, n_threads: int | None = None) -> tuple[npt.NDArray[np.int64], Floats]: ...
