"""Neighbourhoods of a point cloud: codensity, k-NN, dense cores, landmarks, radius graphs.

Thin wrappers over the C++ core: they check the input, pick the float32 or
float64 kernel and release the GIL for the whole computation.
"""

from __future__ import annotations

import math

import numpy as np

from . import _core
from ._checks import INT64_MAX, as_int, as_points, as_real, as_threads

__all__ = ["codensity", "core_size", "dense_core", "knn", "maxmin", "radius_graph"]


def codensity(X, k: int, *, n_threads: int | None = None, client=None, scheduler=None) -> np.ndarray:
    """Distance from each point to its k-th nearest neighbour (the point itself excluded).

    Points at the same place are neighbours at distance 0.

    Parameters
    ----------
    X
        Points, shape (n, d); with ``client`` or ``scheduler`` also the path of
        a Zarr array (or a ``zarr.Array`` on local storage) that every worker
        reads itself, so the points never pass through the client.
    k
        Which neighbour, 1 <= k < n.
    client
        A ``dask.distributed.Client``: the queries are split into one block of
        nearby points per worker, each worker holding the points and the tree
        (see ``fasttda.distributed``). The result is identical to the local call.
    scheduler
        The address of a Dask scheduler (``"tcp://host:8786"``), connected to
        for this call only; otherwise as ``client``.
    n_threads
        Threads; None uses every core (on a cluster: each worker's thread count).

    Returns
    -------
    numpy.ndarray
        Shape (n,), float32 for float32 input and float64 otherwise.

    Raises
    ------
    ValueError
        On empty, non-finite or non-2-D points, or k outside [1, n).
    TypeError
        When k is not an integer, or ``client`` is not a Client.

    Examples
    --------
    >>> import numpy as np, fasttda
    >>> fasttda.codensity(np.array([[0.0], [1.0], [3.0]]), 1)
    array([1., 1., 2.])
    """
    if client is not None or scheduler is not None:
        from . import distributed

        return distributed.codensity(X, k, client=client, scheduler=scheduler, n_threads=n_threads)
    X = as_points(X)
    return _core.codensity(X, as_int(k, "k", high=INT64_MAX), as_threads(n_threads))


def _codensity(X: np.ndarray, k: int, n_threads: int | None) -> np.ndarray:
    """``codensity`` without the checks, for pipelines whose X already passed ``as_points`` once."""
    return _core.codensity(X, k, n_threads)


def knn(X, k: int, *, n_threads: int | None = None, client=None, scheduler=None) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest neighbours of every point: (indices, distances), each (n, k).

    Rows are sorted by distance, ties by index; a point is never its own neighbour.

    Parameters
    ----------
    X
        Points, shape (n, d) (with a cluster also a Zarr array's path, as for ``codensity``).
    k
        Neighbours per point, 1 <= k < n.
    client, scheduler, n_threads
        See ``codensity``.

    Returns
    -------
    indices : numpy.ndarray
        (n, k) int64, nearest first.
    distances : numpy.ndarray
        (n, k), the dtype of ``codensity``'s result.

    Raises
    ------
    ValueError
        As ``codensity``, or when the two (n, k) tables would not fit in memory.

    Examples
    --------
    >>> import numpy as np, fasttda
    >>> fasttda.knn(np.array([[0.0], [1.0], [3.0]]), 1)[0]
    array([[1],
           [0],
           [1]])
    """
    if client is not None or scheduler is not None:
        from . import distributed

        return distributed.knn(X, k, client=client, scheduler=scheduler, n_threads=n_threads)
    X = as_points(X)
    return _core.knn(X, as_int(k, "k", high=INT64_MAX), as_threads(n_threads))


def core_size(n: int, p: float) -> int:
    """ceil(p n), robust to p n landing a rounding error above an integer.

    Parameters
    ----------
    n
        Number of points.
    p
        Fraction of the points, in (0, 1].

    Returns
    -------
    int
        ceil(p n), clipped to [1, n].

    Raises
    ------
    TypeError
        When p is not a number.
    ValueError
        When p lies outside (0, 1].

    Examples
    --------
    >>> from fasttda.neighbours import core_size
    >>> core_size(10, 0.3), core_size(1000, 0.001), core_size(5, 0.01)
    (3, 1, 1)
    """
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.floating, np.integer)):
        raise TypeError(f"p must be a number in (0, 1], got {p!r}")
    if not (0 < p <= 1):
        raise ValueError(f"p must be a fraction in (0, 1], got {p}")
    return max(1, min(n, math.ceil(round(p * n, 9))))


def dense_core(
    X, k: int, p: float, *, return_codensity: bool = False, n_threads: int | None = None, client=None, scheduler=None
):
    """Indices of the ceil(p n) points of smallest codensity, densest first (ties by index).

    This is the dense core X(k, p) of Carlsson, Ishkhanov, de Silva and Zomorodian (2008).
    Exact, and faster than ranking ``codensity(X, k)``: sparse points are searched only as
    far as needed to show they lie outside the core. On a cluster the codensity of every
    point is computed there and the core chosen here, with the same rule.

    Parameters
    ----------
    X
        Points, shape (n, d) (with a cluster also a Zarr array's path, as for ``codensity``).
    k
        The codensity's neighbour, 1 <= k < n.
    p
        The core's fraction of the points, in (0, 1].
    return_codensity
        Also return the codensity of each core point.
    client, scheduler, n_threads
        See ``codensity``.

    Returns
    -------
    core : numpy.ndarray
        int64 indices into X, densest first.
    codensity : numpy.ndarray
        Only with ``return_codensity``: the codensity of each core point.

    Raises
    ------
    ValueError
        As ``codensity``, or p outside (0, 1].

    Examples
    --------
    >>> import numpy as np, fasttda
    >>> fasttda.dense_core(np.array([[0.0], [0.1], [0.2], [5.0]]), 1, 0.5)
    array([0, 1])
    """
    if client is not None or scheduler is not None:
        from . import distributed

        core, rho = distributed.dense_core(X, k, p, client=client, scheduler=scheduler, n_threads=n_threads)
        return (core, rho) if return_codensity else core
    X = as_points(X)
    n = X.shape[0]
    core, rho = _core.dense_core(X, as_int(k, "k", high=INT64_MAX), core_size(n, p), as_threads(n_threads))
    return (core, rho) if return_codensity else core


def _dense_core(X: np.ndarray, k: int, p: float, n_threads: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(core, codensity) of ``dense_core`` without the point checks: X already passed ``as_points``
    (C-contiguous float32 or float64, finite), k and n_threads are integers (or None)."""
    return _core.dense_core(X, k, core_size(X.shape[0], p), n_threads)


def maxmin(X, n_landmarks: int, *, seed: int = 0, return_radius: bool = False, n_threads: int | None = None):
    """Max–min (farthest point) landmarks, in selection order.

    The first landmark is drawn with ``seed``; each next one is the point
    farthest from those chosen (ties: smallest index). With ``return_radius``
    also returns the covering radius: the largest distance from a point to its
    nearest landmark.

    Parameters
    ----------
    X
        Points, shape (n, d).
    n_landmarks
        Number of landmarks to choose, 1 <= n_landmarks <= n.
    seed
        Seed of the random first landmark.
    return_radius
        Also return the covering radius.
    n_threads
        Threads; None uses every core.

    Returns
    -------
    landmarks : numpy.ndarray
        int64 indices into X, in selection order.
    radius : float
        Only with ``return_radius``: the covering radius.

    Raises
    ------
    ValueError
        On empty, non-finite or non-2-D points, or ``n_landmarks`` outside [1, n].
    TypeError
        When ``n_landmarks`` is not an integer.

    Examples
    --------
    >>> import numpy as np, fasttda
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0]])
    >>> fasttda.maxmin(X, 2, return_radius=True)
    (array([..., ...]), ...)
    """
    X = as_points(X)
    n = X.shape[0]
    n_landmarks = as_int(n_landmarks, "n_landmarks", high=INT64_MAX)
    first = int(np.random.default_rng(seed).integers(n))
    landmarks, radius = _core.maxmin(X, n_landmarks, first, as_threads(n_threads))
    return (landmarks, radius) if return_radius else landmarks


def _maxmin(X: np.ndarray, n_landmarks: int, seed: int, n_threads: int | None) -> tuple[np.ndarray, float]:
    """(landmarks, covering radius) of ``maxmin`` without the point checks: X already passed ``as_points``."""
    first = int(np.random.default_rng(seed).integers(X.shape[0]))
    return _core.maxmin(X, n_landmarks, first, n_threads)


def radius_graph(X, r: float, *, n_threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All pairs within distance r (d <= r): (edges, distances), edges (m, 2) with i < j, sorted by (i, j).

    Closed balls, as everywhere in fasttda: ``rips`` with ``thresh=r`` keeps the same pairs.

    Parameters
    ----------
    X
        Points, shape (n, d).
    r
        The radius, a finite number >= 0.
    n_threads
        Threads; None uses every core.

    Returns
    -------
    edges : numpy.ndarray
        (m, 2) int64, i < j, sorted by (i, j).
    distances : numpy.ndarray
        (m,), the length of each edge.

    Raises
    ------
    ValueError
        On empty, non-finite or non-2-D points, or r negative or not finite.
    TypeError
        When r is not a number.

    Examples
    --------
    >>> import numpy as np, fasttda
    >>> edges, d = fasttda.radius_graph(np.array([[0.0], [1.0], [3.0]]), 1.0)
    >>> edges, d
    (array([[0, 1]]), array([1.]))
    """
    X = as_points(X)
    return _core.radius_graph(X, as_real(r, "r"), as_threads(n_threads))
