"""Vietoris–Rips persistence barcodes, a drop-in for ``ripser.ripser``.

Thin wrapper over the C++ engine (persistent cohomology with implicit
coboundaries, clearing, apparent and emergent pairs; Z/p coefficients).
"""

from __future__ import annotations

import numbers
import sys
import warnings

import numpy as np

from . import _core
from ._checks import INT64_MAX, INT_MAX, as_array, as_int, as_points, as_threads

# scikit-learn's names that scipy spells differently (ripser.py goes through scikit-learn).
_ALIASES = {"manhattan": "cityblock", "l1": "cityblock", "l2": "euclidean"}

__all__ = ["rips"]


def _check_options(maxdim, thresh, coeff) -> tuple[int, float, int]:
    """Types only: the core checks the values (maxdim range, thresh >= 0, coeff prime)."""
    maxdim = as_int(maxdim, "maxdim", low=-INT_MAX, high=INT_MAX)
    coeff = as_int(coeff, "coeff", low=-INT64_MAX, high=INT64_MAX)
    if isinstance(thresh, (bool, np.bool_)) or not isinstance(thresh, numbers.Real):
        raise TypeError(f"thresh must be a number, got {thresh!r}")
    return maxdim, float(thresh), coeff


def _check_metric(metric):
    """'euclidean', 'precomputed', a name scipy's pdist knows (or a scikit-learn alias), or a callable."""
    if callable(metric):
        return metric
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a string or a callable, got {metric!r}")
    from scipy.spatial import distance

    name = _ALIASES.get(metric, metric)
    known = getattr(distance, "_METRIC_ALIAS", None)
    if name != "precomputed" and known is not None and name not in known:
        raise ValueError(f"metric must be 'precomputed', a callable or a metric scipy's pdist knows, got {metric!r}")
    return name


def _as_matrix(D) -> np.ndarray:
    D = as_array(D)
    if D.dtype.kind not in "fiub":
        raise TypeError(f"the distance matrix must hold real numbers, got dtype {D.dtype}")
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"a distance matrix must be square (n, n), got shape {D.shape}")
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


def _metric_kwargs(X, metric) -> dict:
    """The parameters pdist would derive from the whole cloud, so that rows computed one at a time agree."""
    if metric == "seuclidean":
        return {"V": np.var(X, axis=0, ddof=1)}
    if metric == "mahalanobis":
        return {"VI": np.linalg.inv(np.cov(X.T)).T.copy()}
    return {}


def _pairwise(X, metric) -> np.ndarray:
    """All pairwise distances of the rows of X, as scikit-learn's pairwise_distances gives them."""
    from scipy.spatial.distance import pdist, squareform

    D = squareform(pdist(X, metric))
    if callable(metric):  # scikit-learn evaluates the diagonal too: a nonzero one is vertex births
        np.fill_diagonal(D, [metric(x, x) for x in X])
    return D


def _to_all(X, i, metric, kwargs) -> np.ndarray:
    """Distances from row i to every row (0 at i itself), as ripser.py's greedy permutation takes them."""
    from scipy.spatial.distance import cdist

    ds = cdist(X, X[i : i + 1], metric, **kwargs)[:, 0]
    ds[i] = 0
    return ds


def _greedy_perm(X, n_perm: int, distance_matrix: bool, metric, threads):
    """(idx_perm, r_cover, dperm2all) of a farthest point sampling that starts at point 0, as ripser.py."""
    from scipy.spatial.distance import cdist

    if metric == "euclidean" and not distance_matrix:
        idx, r_cover = _core.maxmin(X, n_perm, 0, threads)
        return idx, np.float64(r_cover), cdist(X[idx], X)
    kwargs = {} if distance_matrix or callable(metric) else _metric_kwargs(X, metric)

    def row(i):
        return X[i] if distance_matrix else _to_all(X, i, metric, kwargs)

    idx = np.zeros(n_perm, dtype=np.int64)
    rows = [row(0)]
    ds = np.array(rows[0], dtype=np.float64)
    for k in range(1, n_perm):
        idx[k] = np.argmax(ds)
        rows.append(row(idx[k]))
        ds = np.minimum(ds, rows[-1])
    return idx, np.float64(np.max(ds)), np.array(rows)


def _warn_shape(X) -> None:
    """ripser.py's warnings for a point cloud that may be a distance matrix or transposed."""
    if X.shape[0] == X.shape[1]:
        warnings.warn(
            "The input matrix is square, but the distance_matrix flag is off.  Did you mean to "
            "indicate that this was a distance matrix?",
            stacklevel=4,
        )
    elif X.shape[0] < X.shape[1]:
        warnings.warn("The input point cloud has more columns than rows; did you mean to transpose?", stacklevel=4)


def rips(
    X,
    maxdim: int = 1,
    thresh: float = np.inf,
    coeff: int = 2,
    distance_matrix: bool = False,
    do_cocycles: bool = False,
    metric="euclidean",
    n_perm: int | None = None,
    *,
    n_threads: int | None = None,
) -> dict:
    """Vietoris–Rips persistence diagrams H0..H_maxdim: a drop-in for ``ripser.ripser``.

    Takes every argument of ``ripser.ripser`` and returns every key it
    returns, so ``from fasttda import rips as ripser`` swaps the two. The
    one difference: each diagram is sorted by birth, then death (ripser.py
    leaves them in reduction order), and ``cocycles`` follows that order.
    Beyond it, only inputs ripser.py reads oddly are read as a filtration:
    an edge shorter than its vertices' birth times enters with the later
    vertex, a vertex born after ``thresh`` is left out, a zero off-diagonal
    entry is an edge of length 0, and a scipy sparse X is always distances;
    and a Euclidean cloud with a finite ``thresh`` returns no n×n
    ``dperm2all``.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix
        A point cloud (n, d); or, with ``distance_matrix=True`` or
        ``metric='precomputed'``, a dense (n, n) distance matrix (symmetric,
        ``inf`` = no edge; a nonzero diagonal gives vertex birth times, and an
        edge then enters at ``max(d_ij, d_ii, d_jj)``); or a scipy sparse
        matrix, always read as distances: stored entries are edges (given in
        one or both triangles), missing entries are not, diagonal entries are
        vertex births.
    maxdim : int, default 1
        Largest homology dimension computed (0 to 3).
    thresh : float, default inf
        Simplices up to this diameter enter the filtration (closed: ``<=``).
        With ``inf`` a dense input stops at its enclosing radius, which
        changes no bar. A Euclidean point cloud with a finite ``thresh`` never
        forms an n×n matrix: its edges come from ``radius_graph``, so a core of
        10^5 points fits in memory.
    coeff : int, default 2
        A prime p: coefficients in Z/p.
    distance_matrix : bool, default False
        Read a dense X as a distance matrix.
    do_cocycles : bool, default False
        Also return a representative cocycle of every bar in dimension >= 1.
        They are the reduction columns of the standard column order (as
        ripser.py's); computing them runs the column reduction on one thread.
    metric : str or callable, default 'euclidean'
        The distance between the rows of a point cloud: 'euclidean',
        'precomputed', any name scipy's ``pdist`` accepts (and scikit-learn's
        'manhattan', 'l1', 'l2'), or a function of two rows.
    n_perm : int, optional
        Compute on a farthest point subsample of this many points, starting
        at point 0, as ripser.py does; the diagrams are those of the
        subsample, within ``r_cover`` of the full ones in bottleneck distance.
    n_threads : int, optional
        Threads (default: all cores). The result does not depend on it.

    Returns
    -------
    dict
        ``dgms``: list of maxdim + 1 arrays (k, 2) float64 of (birth, death),
        sorted by birth then death, death ``inf`` for essential classes,
        bars of zero persistence left out. ``cocycles``: a list per dimension;
        ``cocycles[0]`` is empty, and for dim >= 1 with ``do_cocycles``,
        ``cocycles[dim][k]`` is an int64 array (m, dim + 2), one row per
        simplex (its vertices, largest first, as indices into X; then the
        coefficient in [0, coeff)), a cocycle representing bar
        ``dgms[dim][k]``; without ``do_cocycles`` every list is empty.
        ``num_edges``: the edges within the threshold. ``dperm2all``: the
        distances used, (n, n), or (n_perm, n) from the subsample to every
        point; ``None`` for a Euclidean point cloud with a finite ``thresh``
        and no ``n_perm``, where no n×n matrix is formed, and the sparse input
        itself for a sparse X. ``idx_perm``: the subsample's indices into X
        (``arange(n)`` without ``n_perm``). ``r_cover``: its covering radius
        (0.0 without ``n_perm``).

    Raises
    ------
    ValueError
        For a distance matrix that is not square, symmetric, non-negative and
        free of NaN; a point cloud with NaN or inf; maxdim outside 0..3; a
        coeff that is not a prime; a negative thresh; an unknown metric;
        ``n_perm`` negative, larger than the number of points or with a
        sparse X.
    TypeError
        For arguments of the wrong type.

    Warns
    -----
    UserWarning
        As ripser.py: a square point cloud without ``distance_matrix=True``,
        and a point cloud with more columns than rows.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda import rips as ripser
    >>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    >>> res = ripser(np.c_[np.cos(t), np.sin(t)], do_cocycles=True)
    >>> len(res["dgms"][1]), res["cocycles"][1][0].shape[1]
    (1, 3)
    """
    # ripser.py's shape warnings are for direct callers: fasttda's own pipeline (analyze, RipsPersistence)
    # passes landmark clouds whose shape is by design, however few the landmarks.
    caller = sys._getframe(1).f_globals.get("__name__", "")
    warn = caller != "fasttda" and not caller.startswith("fasttda.")
    return _rips(X, maxdim, thresh, coeff, distance_matrix, do_cocycles, metric, n_perm, n_threads=n_threads, warn=warn)


def _rips(
    X,
    maxdim=1,
    thresh=np.inf,
    coeff=2,
    distance_matrix=False,
    do_cocycles=False,
    metric="euclidean",
    n_perm=None,
    *,
    n_threads=None,
    warn=False,
) -> dict:
    """``rips``, with ripser.py's warnings about the shape of a point cloud only when ``warn``."""
    maxdim, thresh, coeff = _check_options(maxdim, thresh, coeff)
    threads = as_threads(n_threads)
    if not isinstance(do_cocycles, (bool, np.bool_)):
        raise TypeError(f"do_cocycles must be True or False, got {do_cocycles!r}")
    do_cocycles = bool(do_cocycles)
    metric = _check_metric(metric)
    if n_perm is not None:
        n_perm = as_int(n_perm, "n_perm", high=INT64_MAX)
        if n_perm < 0:
            raise ValueError(f"n_perm must be a positive number of points, got {n_perm}")
    from scipy import sparse

    if sparse.issparse(X):
        if n_perm:
            raise ValueError("a greedy permutation (n_perm) is not supported for a sparse distance matrix")
        n, edges, lengths = _sparse_edges(X)
        res = _core.rips_graph(n, edges, lengths, maxdim, thresh, coeff, threads, do_cocycles)
        return _finish(res, X, np.arange(n), 0.0, None)

    X = as_array(X)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array: points (n, d) or distances (n, n), got shape {X.shape}")
    as_distances = distance_matrix or metric == "precomputed"
    X = _as_matrix(X) if as_distances else as_points(X)
    if warn and not distance_matrix:
        _warn_shape(X)
    n = X.shape[0]
    if n_perm and n_perm > n:
        raise ValueError(f"n_perm must be at most the number of points ({n}), got {n_perm}")
    if n_perm and n_perm < n:
        idx, r_cover, dperm2all = _greedy_perm(X, n_perm, as_distances, metric, threads)
        dm = np.ascontiguousarray(dperm2all[:, idx], dtype=np.float64)
        res = _core.rips_matrix(dm, maxdim, thresh, coeff, threads, do_cocycles)
        return _finish(res, dperm2all, idx, r_cover, idx)
    if as_distances:
        res = _core.rips_matrix(X, maxdim, thresh, coeff, threads, do_cocycles)
        return _finish(res, X, np.arange(n), 0.0, None)
    if metric == "euclidean":
        res = _core.rips_points(X, maxdim, thresh, coeff, threads, do_cocycles)
        if np.isfinite(thresh):
            return _finish(res, None, np.arange(n), 0.0, None)
        from scipy.spatial.distance import cdist

        return _finish(res, cdist(X, X), np.arange(n), 0.0, None)
    D = _pairwise(X, metric)
    res = _core.rips_matrix(D, maxdim, thresh, coeff, threads, do_cocycles)
    return _finish(res, D, np.arange(n), 0.0, None)


def _rips_points(X: np.ndarray, maxdim: int, coeff: int, n_threads: int | None, do_cocycles: bool = False) -> dict:
    """``rips(X, maxdim, coeff=coeff, do_cocycles=...)`` of a point cloud without the checks: X already
    passed ``as_points`` and maxdim, coeff and n_threads are integers (or None); the core checks their
    values. ``dperm2all`` is left None: the pipeline never needs the n×n matrix."""
    res = _core.rips_points(X, maxdim, np.inf, coeff, n_threads, do_cocycles)
    return _finish(res, None, np.arange(len(X)), 0.0, None)


def _finish(res: dict, dperm2all, idx_perm, r_cover: float, relabel) -> dict:
    """ripser.py's keys: diagrams sorted by (birth, death), cocycles in the same order, relabelled to X."""
    dgms, cocycles = [], []
    for dim, dgm in enumerate(res["dgms"]):
        order = np.lexsort((dgm[:, 1], dgm[:, 0])) if len(dgm) else np.zeros(0, dtype=np.int64)
        dgms.append(dgm[order] if len(dgm) else dgm.reshape(0, 2))
        ccl = res["cocycles"][dim]
        if relabel is not None:
            for c in ccl:
                c[:, :-1] = relabel[c[:, :-1]]
        cocycles.append([ccl[k] for k in order] if ccl else [])
    return {
        "dgms": dgms,
        "cocycles": cocycles,
        "num_edges": res["num_edges"],
        "dperm2all": dperm2all,
        "idx_perm": np.asarray(idx_perm, dtype=np.int64),
        "r_cover": r_cover,
    }
