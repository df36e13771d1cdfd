"""fasttda.rips as a drop-in for ripser.ripser: cocycles, n_perm, metrics, vertex births, keys and warnings.

Cocycles are checked for what they must be (a cocycle of the complex below the bar's death that is
not a coboundary at its birth) on both libraries' output, and against ripser.py's own: with the
same column order and arithmetic the representatives are the same.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.spatial.distance import cdist

import fasttda
from conftest import needs_ripser, ripser, theirs

pytestmark = pytest.mark.kernels

TOL = 1e-6
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ordered(res):
    """ripser.py's diagrams and cocycles in fasttda's order (birth, then death)."""
    dgms, cocycles = [], []
    for dim, dgm in enumerate(res["dgms"]):
        order = np.lexsort((dgm[:, 1], dgm[:, 0]))
        dgms.append(dgm[order])
        cocycles.append([res["cocycles"][dim][k] for k in order] if res["cocycles"][dim] else [])
    return dgms, cocycles


def assert_same_dgms(a, b, tol=TOL):
    assert len(a) == len(b)
    for dim, (x, y) in enumerate(zip(a, b)):
        assert x.shape == y.shape, f"H{dim}: {len(x)} bars vs {len(y)}"
        assert np.array_equal(np.isinf(x), np.isinf(y)), f"H{dim}: essential bars differ"
        fin = np.isfinite(x)
        assert np.allclose(x[fin], y[fin], atol=tol, rtol=tol), f"H{dim}: bars differ"


@st.composite
def clouds(draw, min_n=4, max_n=25):
    """Random clouds in general position (no distance ties), more points than coordinates:
    uniform, or a noisy circle."""
    n = draw(st.integers(min_n, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        t = rng.uniform(0, 2 * np.pi, n)
        return np.c_[np.cos(t), np.sin(t)] + rng.normal(0, 0.1, (n, 2))
    return rng.uniform(-1, 1, (n, draw(st.integers(2, 3))))


# --- cocycle checks, by linear algebra mod p on the complex itself


def rank_mod(A, p):
    """Rank of an integer matrix over Z/p (Gaussian elimination)."""
    A = np.array(A, dtype=np.int64) % p
    rank = 0
    rows, cols = A.shape
    for c in range(cols):
        pivot = next((r for r in range(rank, rows) if A[r, c]), None)
        if pivot is None:
            continue
        A[[rank, pivot]] = A[[pivot, rank]]
        A[rank] = A[rank] * pow(int(A[rank, c]), -1, p) % p
        for r in range(rows):
            if r != rank and A[r, c]:
                A[r] = (A[r] - A[r, c] * A[rank]) % p
        rank += 1
        if rank == rows:
            break
    return rank


def as_cochain(ccl, p):
    """{(i, j) with i > j: value} of an H1 cocycle in ripser.py's layout."""
    assert ccl.dtype == np.int64 and ccl.ndim == 2 and ccl.shape[1] == 3
    assert np.all(ccl[:, 0] > ccl[:, 1]), "vertices largest first"
    assert np.all((ccl[:, 2] > 0) & (ccl[:, 2] < p)), "coefficients in [1, p)"
    assert len({(a, b) for a, b, _ in ccl}) == len(ccl), "each edge once"
    return {(int(a), int(b)): int(c) for a, b, c in ccl}


def coboundary_on(z, D, r, p, strict=False):
    """The values of dz on the triangles of diameter <= r (< r when strict) with a nonzero value."""
    n = len(D)
    bad = []
    for a in range(n):
        for b in range(a):
            for c in range(b):
                diam = max(D[a, b], D[a, c], D[b, c])
                if diam < r or (not strict and diam == r):
                    # Triangle c < b < a: dz = z(ab) - z(ac) + z(bc).
                    v = (z.get((a, b), 0) - z.get((a, c), 0) + z.get((b, c), 0)) % p
                    if v:
                        bad.append(((a, b, c), v))
    return bad


def is_coboundary(z, D, r, p):
    """Whether z, cut to the edges of diameter <= r, is df for some 0-cochain f (all vertices born at 0)."""
    n = len(D)
    edges = [(a, b) for a in range(n) for b in range(a) if D[a, b] <= r]
    A = np.zeros((len(edges), n + 1), dtype=np.int64)
    for k, (a, b) in enumerate(edges):
        A[k, a], A[k, b] = 1, -1
        A[k, n] = z.get((a, b), 0)
    return rank_mod(A[:, :n], p) == rank_mod(A, p)


def check_h1_cocycles(dgm, cocycles, D32, thresh, p):
    """Each cocycle of an H1 bar (b, d): supported from b on, nonzero on an edge of length b, a cocycle
    below d (and within thresh), and not a coboundary at b nor at the last edge length before d."""
    assert len(cocycles) == len(dgm)
    lengths = np.unique(D32[np.tril_indices(len(D32), -1)])
    for (b, d), ccl in zip(dgm, cocycles):
        z = as_cochain(ccl, p)
        support = np.array([D32[a, c] for a, c in z])
        assert support.min() == np.float32(b), "the birth edge is in the support"
        top = np.float32(d) if np.isfinite(d) else np.float32(min(thresh, np.finfo(np.float32).max))
        assert coboundary_on(z, D32, top, p, strict=np.isfinite(d)) == []
        assert not is_coboundary(z, D32, np.float32(b), p)
        below = lengths[lengths < top] if np.isfinite(d) else lengths[lengths <= top]
        assert not is_coboundary(z, D32, below.max(), p)


cocycle_options = st.fixed_dictionaries(
    {
        "coeff": st.sampled_from([2, 3]),
        "thresh": st.sampled_from([np.inf, 0.6, 1.0]),
    }
)


@needs_ripser
@SLOW
@given(X=clouds(), opts=cocycle_options, kind=st.sampled_from(["points", "matrix", "sparse"]))
def test_h1_cocycles_are_cocycles_and_match_ripser(X, opts, kind):
    D = cdist(X, X)
    D32 = D.astype(np.float32)
    if kind == "points":
        ours = fasttda.rips(X, do_cocycles=True, **opts)
    elif kind == "matrix":
        ours = fasttda.rips(D, distance_matrix=True, do_cocycles=True, **opts)
    else:
        i, j = np.nonzero(np.tril(D <= 1.2, -1))
        ours = fasttda.rips(sparse.coo_matrix((D[i, j], (i, j)), shape=D.shape), do_cocycles=True, **opts)
        D32 = np.where(D <= 1.2, D32, np.inf).astype(np.float32)
        D = np.where(D <= 1.2, D, 0.0)
        D = sparse.coo_matrix(np.triu(D, 1))  # ripser.py reads the upper triangle
    ref = theirs(D, distance_matrix=True, do_cocycles=True, **opts)
    ref_dgms, ref_cocycles = ordered(ref)
    assert_same_dgms(ours["dgms"], ref_dgms)
    thresh = opts["thresh"]
    if not np.isfinite(thresh) and kind != "sparse":
        thresh = np.min(np.max(D32, axis=1))  # the enclosing radius: the complex ends there
    check_h1_cocycles(ours["dgms"][1], ours["cocycles"][1], D32, thresh, opts["coeff"])
    check_h1_cocycles(ref_dgms[1], ref_cocycles[1], D32, thresh, opts["coeff"])
    # The same column order and arithmetic give the same representatives.
    assert ours["cocycles"][0] == [] and ref_cocycles[0] == []
    assert len(ours["cocycles"][1]) == len(ref_cocycles[1])
    for a, b in zip(ours["cocycles"][1], ref_cocycles[1]):
        assert np.array_equal(a, b)


@needs_ripser
@SLOW
@given(X=clouds(min_n=6, max_n=16), coeff=st.sampled_from([2, 3]))
def test_h2_cocycles_match_ripser(X, coeff):
    D = cdist(X, X)
    ours = fasttda.rips(D, maxdim=2, coeff=coeff, distance_matrix=True, do_cocycles=True)
    ref_dgms, ref_cocycles = ordered(theirs(D, maxdim=2, coeff=coeff, distance_matrix=True, do_cocycles=True))
    assert_same_dgms(ours["dgms"], ref_dgms)
    for dim in (1, 2):
        assert len(ours["cocycles"][dim]) == len(ours["dgms"][dim])
        for a, b in zip(ours["cocycles"][dim], ref_cocycles[dim]):
            assert a.shape[1] == dim + 2 and np.array_equal(a, b)


def test_cocycle_of_a_circle_goes_around_it():
    t = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    X = np.c_[np.cos(t), np.sin(t)]
    res = fasttda.rips(X, coeff=3, do_cocycles=True)
    ((b, d),) = res["dgms"][1]
    D32 = cdist(X, X).astype(np.float32)
    check_h1_cocycles(res["dgms"][1], res["cocycles"][1], D32, np.inf, 3)


def test_cocycles_edge_cases():
    X = np.random.default_rng(0).normal(size=(12, 2))
    # Without do_cocycles: one empty list per dimension.
    assert fasttda.rips(X, maxdim=2)["cocycles"] == [[], [], []]
    # maxdim=0: no cocycles in dimension 0, as ripser.py.
    assert fasttda.rips(X, maxdim=0, do_cocycles=True)["cocycles"] == [[]]
    # One point: no bars above dimension 0.
    res = fasttda.rips(np.zeros((1, 1)), distance_matrix=True, do_cocycles=True)
    assert res["cocycles"] == [[], []] and len(res["dgms"][1]) == 0
    # A threshold that cuts the circle's bar: an essential bar, and its cocycle.
    t = np.linspace(0, 2 * np.pi, 10, endpoint=False)
    C = np.c_[np.cos(t), np.sin(t)]
    res = fasttda.rips(C, thresh=0.7, do_cocycles=True)
    assert np.isinf(res["dgms"][1][0, 1]) and len(res["cocycles"][1]) == 1
    check_h1_cocycles(res["dgms"][1], res["cocycles"][1], cdist(C, C).astype(np.float32), 0.7, 2)
    # The same diagrams with and without cocycles, and the same cocycles, on any thread count.
    ref = fasttda.rips(X, maxdim=2, do_cocycles=True, n_threads=1)
    for threads in (1, 3):
        a = fasttda.rips(X, maxdim=2, n_threads=threads)
        b = fasttda.rips(X, maxdim=2, do_cocycles=True, n_threads=threads)
        for x, y, z in zip(a["dgms"], b["dgms"], ref["dgms"]):
            assert np.array_equal(x, y) and np.array_equal(y, z)
        for x, y in zip(b["cocycles"], ref["cocycles"]):
            assert len(x) == len(y) and all(np.array_equal(c, d) for c, d in zip(x, y))
    with pytest.raises(TypeError, match="do_cocycles"):
        fasttda.rips(X, do_cocycles="yes")


# --- greedy permutation


@needs_ripser
@SLOW
@given(
    X=clouds(min_n=8, max_n=40),
    frac=st.floats(0.2, 1.0),
    coeff=st.sampled_from([2, 3]),
    kind=st.sampled_from(["points", "matrix", "cityblock"]),
)
def test_n_perm_matches_ripser(X, frac, coeff, kind):
    n_perm = max(1, int(frac * len(X)))
    if kind == "matrix":
        args, kwargs = (cdist(X, X),), {"distance_matrix": True}
    elif kind == "cityblock":
        args, kwargs = (X,), {"metric": "cityblock"}
    else:
        args, kwargs = (X,), {}
    ours = fasttda.rips(*args, n_perm=n_perm, coeff=coeff, do_cocycles=True, **kwargs)
    ref = theirs(*args, n_perm=n_perm, coeff=coeff, do_cocycles=True, **kwargs)
    assert np.array_equal(ours["idx_perm"], ref["idx_perm"])
    assert ours["idx_perm"].dtype == np.int64
    assert np.isclose(ours["r_cover"], ref["r_cover"], rtol=1e-9)
    assert ours["dperm2all"].shape == ref["dperm2all"].shape
    assert np.allclose(ours["dperm2all"], ref["dperm2all"], rtol=1e-9, atol=1e-12)
    ref_dgms, ref_cocycles = ordered(ref)
    assert_same_dgms(ours["dgms"], ref_dgms)
    for a, b in zip(ours["cocycles"][1], ref_cocycles[1]):  # indices into X, not into the subsample
        assert np.array_equal(a, b)


def test_n_perm_is_maxmin_from_point_zero():
    X = np.random.default_rng(4).normal(size=(200, 3))
    res = fasttda.rips(X, n_perm=30)
    idx = res["idx_perm"]
    assert idx[0] == 0 and len(set(idx)) == 30
    # Each next point is the farthest from those before it; r_cover is the covering radius.
    for k in range(1, 30):
        assert idx[k] == np.argmax(cdist(X, X[idx[:k]]).min(axis=1))
    assert np.isclose(cdist(X, X[idx]).min(axis=1).max(), res["r_cover"])
    assert np.allclose(res["dperm2all"], cdist(X[idx], X))
    assert_same_dgms(res["dgms"], fasttda.rips(X[idx])["dgms"])


def test_n_perm_bad_values():
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="n_perm"):
        fasttda.rips(X, n_perm=11)
    with pytest.raises(ValueError, match="n_perm"):
        fasttda.rips(X, n_perm=-1)
    with pytest.raises(ValueError, match="sparse"):
        fasttda.rips(sparse.coo_matrix(cdist(X, X)), n_perm=3)
    with pytest.raises(TypeError, match="n_perm"):
        fasttda.rips(X, n_perm=2.5)
    full = fasttda.rips(X)
    for n_perm in (0, 10):  # ripser.py: 0 and n mean no subsample
        res = fasttda.rips(X, n_perm=n_perm)
        assert res["r_cover"] == 0.0 and np.array_equal(res["idx_perm"], np.arange(10))
        assert_same_dgms(res["dgms"], full["dgms"], tol=0)


# --- metrics

METRICS = [
    "euclidean",
    "cityblock",
    "manhattan",
    "l1",
    "l2",
    "chebyshev",
    "minkowski",
    "cosine",
    "correlation",
    "canberra",
    "braycurtis",
    "sqeuclidean",
    "seuclidean",
    "mahalanobis",
    "hamming",
    "jaccard",
    "dice",
]


@needs_ripser
@SLOW
@given(
    X=clouds(min_n=6, max_n=25),
    metric=st.sampled_from(METRICS),
    coeff=st.sampled_from([2, 3]),
    thresh=st.sampled_from([np.inf, 1.0]),
)
def test_metric_names_match_ripser(X, metric, coeff, thresh):
    if metric in ("hamming", "jaccard", "dice"):
        X = np.c_[np.ones(len(X)), X > 0]  # 0/1 vectors, none all zero (dice would be 0/0 = NaN)
    ours = fasttda.rips(X, metric=metric, coeff=coeff, thresh=thresh)
    ref = theirs(X, metric=metric, coeff=coeff, thresh=thresh)
    assert_same_dgms(ours["dgms"], ordered(ref)[0], tol=1e-5)
    if ours["dperm2all"] is not None:
        assert np.allclose(ours["dperm2all"], ref["dperm2all"], rtol=1e-7, atol=1e-7)


@needs_ripser
@SLOW
@given(X=clouds(min_n=4, max_n=20), births=st.booleans())
def test_callable_metric_matches_ripser(X, births):
    if births:  # a metric with d(x, x) > 0: scikit-learn evaluates the diagonal, and it is a vertex birth

        def metric(a, b):
            return np.abs(a - b).sum() + 0.1 * (abs(a[0]) + abs(b[0]))
    else:

        def metric(a, b):
            return np.abs(a - b).max()

    ours = fasttda.rips(X, metric=metric, do_cocycles=True)
    ref = theirs(X, metric=metric, do_cocycles=True)
    assert np.allclose(ours["dperm2all"], ref["dperm2all"])
    ref_dgms, ref_cocycles = ordered(ref)
    assert_same_dgms(ours["dgms"], ref_dgms)


def test_precomputed_is_distance_matrix():
    X = np.random.default_rng(2).normal(size=(15, 2))
    D = cdist(X, X)
    with pytest.warns(UserWarning, match="square"):  # as ripser.py: the flag is off
        a = fasttda.rips(D, metric="precomputed")
    b = fasttda.rips(D, distance_matrix=True)
    assert_same_dgms(a["dgms"], b["dgms"], tol=0)


def test_bad_metric():
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="metric"):
        fasttda.rips(X, metric="no-such-metric")
    with pytest.raises(TypeError, match="metric"):
        fasttda.rips(X, metric=3)


# --- vertex birth times


def lower_star(X, f):
    """D_ij = max(|x_i - x_j|, f_i, f_j), D_ii = f_i: a valid filtration with vertex births."""
    D = np.maximum(cdist(X, X), np.maximum.outer(f, f))
    np.fill_diagonal(D, f)
    return D


@needs_ripser
@SLOW
@given(
    X=clouds(min_n=2, max_n=25),
    seed=st.integers(0, 2**32 - 1),
    coeff=st.sampled_from([2, 3]),
    thresh=st.sampled_from([np.inf, 2.5]),
    as_sparse=st.booleans(),
    maxdim=st.integers(0, 2),
)
def test_vertex_births_match_ripser(X, seed, coeff, thresh, as_sparse, maxdim):
    f = np.random.default_rng(seed).uniform(0.01, 1.0, len(X))  # all births below thresh
    D = lower_star(X, f)
    A = sparse.coo_matrix(D) if as_sparse else D
    ours = fasttda.rips(A, maxdim=maxdim, coeff=coeff, thresh=thresh, distance_matrix=True, do_cocycles=True)
    ref = theirs(A, maxdim=maxdim, coeff=coeff, thresh=thresh, distance_matrix=True, do_cocycles=True)
    ref_dgms, ref_cocycles = ordered(ref)
    assert_same_dgms(ours["dgms"], ref_dgms)
    assert np.isclose(ours["dgms"][0][:, 0].min(), np.float32(f.min()))  # the oldest vertex lives forever
    if np.isfinite(thresh):
        assert ours["num_edges"] == ref["num_edges"]


def test_vertex_birth_rules():
    # Two vertices born at 1 and 3, an edge at 2: the edge enters at 3 (after both vertices), so the
    # younger class (born 3) is killed at once and leaves no bar.
    D = np.array([[1.0, 2.0], [2.0, 3.0]])
    assert fasttda.rips(D, distance_matrix=True)["dgms"][0].tolist() == [[1.0, np.inf]]
    # A vertex born after thresh is not in the complex.
    assert fasttda.rips(D, distance_matrix=True, thresh=2.5)["dgms"][0].tolist() == [[1.0, np.inf]]
    # Three vertices born at 0, 0.5, 0.2 with edges at 1: two classes die at 1, the oldest lives on.
    D = np.array([[0.0, 1, 1], [1, 0.5, 1], [1, 1, 0.2]])
    dgm = fasttda.rips(D, distance_matrix=True)["dgms"][0]
    assert dgm.tolist() == [[0.0, np.inf], [np.float32(0.2), 1.0], [0.5, 1.0]]
    S = fasttda.rips(sparse.coo_matrix(D), distance_matrix=True)["dgms"][0]
    assert np.array_equal(S, dgm)


# --- keys, types and warnings


@needs_ripser
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"do_cocycles": True}, {"n_perm": 10}, {"distance_matrix": True}, {"metric": "cosine"}, {"maxdim": 0}],
)
def test_keys_and_types_match_ripser(kwargs):
    X = np.random.default_rng(1).normal(size=(30, 2))
    if kwargs.get("distance_matrix"):
        X = cdist(X, X)
    ours, ref = fasttda.rips(X, **kwargs), theirs(X, **kwargs)
    assert list(ours) == list(ref)
    for key in ref:
        assert isinstance(ours[key], type(ref[key])) or (key == "r_cover" and isinstance(ours[key], float)), key
    assert np.asarray(ours["dperm2all"]).shape == np.asarray(ref["dperm2all"]).shape
    assert np.asarray(ours["idx_perm"]).dtype == np.asarray(ref["idx_perm"]).dtype
    assert len(ours["cocycles"]) == len(ref["cocycles"])
    for a, b in zip(ours["cocycles"], ref["cocycles"]):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert x.dtype == y.dtype and x.shape[1] == y.shape[1]


@needs_ripser
@pytest.mark.parametrize("shape", [(5, 5), (3, 6)])
def test_shape_warnings_match_ripser(shape):
    X = np.random.default_rng(0).normal(size=shape)
    with warnings.catch_warnings(record=True) as ref:
        warnings.simplefilter("always")
        ripser(X)
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        fasttda.rips(X)
    assert [(w.category, str(w.message)) for w in ours] == [(w.category, str(w.message)) for w in ref]
    assert ours[0].filename == __file__  # points at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fasttda.rips(cdist(X, X), distance_matrix=True)  # no warning for a distance matrix


def test_non_square_distance_matrix_is_refused():
    with pytest.raises(ValueError, match="square"):
        fasttda.rips(np.ones((3, 4)), distance_matrix=True)
    with pytest.raises(ValueError, match="square"):
        fasttda.rips(np.ones((3, 4)), metric="precomputed")


def test_euclidean_fast_path_forms_no_matrix():
    X = np.random.default_rng(0).normal(size=(50, 2))
    res = fasttda.rips(X, thresh=0.5)
    assert res["dperm2all"] is None
    full = fasttda.rips(X)
    assert np.allclose(full["dperm2all"], cdist(X, X))
