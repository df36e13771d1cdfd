"""Vietoris–Rips persistence barcodes, in ripser.py's output format.

Thin wrapper over the C++ engine (persistent cohomology with implicit
coboundaries, clearing, apparent and emergent pairs; Z/p coefficients).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import _core
from ._checks import INT64_MAX, INT_MAX, as_int, as_points, as_threads

__all__ = ["rips"]


def _check_options(maxdim, thresh, coeff) -> tuple[int, float, int]:
    """Types only: the core checks the values (maxdim range, thresh >= 0, coeff prime)."""
    maxdim = as_int(maxdim, "maxdim", low=-INT_MAX, high=INT_MAX)
    coeff = as_int(coeff, "coeff", low=-INT64_MAX, high=INT64_MAX)
    if isinstance(thresh, (bool, np.bool_)) or not isinstance(thresh, numbers.Real):
        raise TypeError(f"thresh must be a number, got {thresh!r}")
    return maxdim, float(thresh), coeff


def _as_matrix(D) -> np.ndarray:
    D = np.asarray(D)
    if D.dtype.kind not in "fiub":
        raise TypeError(f"the distance matrix must hold real numbers, got dtype {D.dtype}")
    return np.ascontiguousarray(D, dtype=np.float32 if D.dtype == np.float32 else np.float64)


def _sparse_edges(A):
    """(n, edges (m, 2), lengths (m,)) of a scipy sparse matrix; stored entries are edges."""
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"a sparse distance matrix must be square (n, n), got shape {A.shape}")
    coo = A.tocoo()
    edges = np.ascontiguousarray(np.stack([coo.row, coo.col], axis=1), dtype=np.int64)
    data = np.asarray(coo.data)
    if data.dtype.kind not in "fiub":
        raise TypeError(f"the distance matrix must hold real numbers, got dtype {data.dtype}")
    return A.shape[0], edges, np.ascontiguousarray(data, dtype=np.float64)


def rips(X, maxdim: int = 1, thresh: float = np.inf, coeff: int = 2, distance_matrix: bool = False, *,
         n_threads: int | None = None) -> dict:
    """Vietoris–Rips persistence diagrams H0..H_maxdim, as ripser.py returns them.

    X is a point cloud (n, d), a dense distance matrix (``distance_matrix=True``,
    symmetric, zero diagonal, ``inf`` = no edge) or a scipy sparse matrix whose
    stored entries are edge lengths (missing entries are not edges; an entry
    may be given in one or both triangles; diagonal entries must be 0, vertex
    birth times are not supported). Simplices up to diameter ``thresh`` enter
    the filtration; with ``thresh=inf`` a dense input stops at its enclosing
    radius, which changes no bar. A point cloud with a finite ``thresh`` never
    forms an n×n matrix: its edges come from ``radius_graph``, so a core of
    10^5 points fits in memory. Coefficients are Z/coeff for a prime coeff.

    Returns ``{'dgms': [H0, ..., H_maxdim], 'num_edges': m}``: each diagram an
    (k, 2) float64 array of (birth, death) sorted by birth then death, death
    ``inf`` for essential classes, bars of zero persistence left out.
    Distances are handled in float32, as ripser.py does. The result does not
    depend on ``n_threads``.
    """
    maxdim, thresh, coeff = _check_options(maxdim, thresh, coeff)
    threads = as_threads(n_threads)
    from scipy import sparse

    if sparse.issparse(X):
        n, edges, lengths = _sparse_edges(X)
        res = _core.rips_graph(n, edges, lengths, maxdim, thresh, coeff, threads)
    elif distance_matrix:
        res = _core.rips_matrix(_as_matrix(X), maxdim, thresh, coeff, threads)
    else:
        res = _core.rips_points(as_points(X), maxdim, thresh, coeff, threads)
    res["dgms"] = [_sorted(d) for d in res["dgms"]]
    return res


def _rips_points(X: np.ndarray, maxdim: int, coeff: int, n_threads: int | None) -> dict:
    """``rips(X, maxdim, coeff=coeff)`` of a point cloud without the checks: X already passed ``as_points``
    and maxdim, coeff and n_threads are integers (or None); the core checks their values."""
    res = _core.rips_points(X, maxdim, np.inf, coeff, n_threads)
    res["dgms"] = [_sorted(d) for d in res["dgms"]]
    return res


def _sorted(dgm: np.ndarray) -> np.ndarray:
    return dgm[np.lexsort((dgm[:, 1], dgm[:, 0]))] if len(dgm) else dgm.reshape(0, 2)
