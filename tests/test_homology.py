"""Rips persistence against ripser.py, on known shapes and the javaplex patches."""

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.spatial.distance import cdist

import fasttda
from conftest import assert_interrupted, needs_ripser, ripser

pytestmark = pytest.mark.kernels

TOL = 1e-6


def clean(dgm, eps=TOL):
    """A diagram as a sorted array, bars shorter than eps dropped (float32 ties)."""
    dgm = np.asarray(dgm, dtype=float).reshape(-1, 2)
    dgm = dgm[~(dgm[:, 1] - dgm[:, 0] <= eps)]
    return dgm[np.lexsort((dgm[:, 1], dgm[:, 0]))]


def assert_same(ours, theirs):
    assert len(ours) == len(theirs)
    for dim, (a, b) in enumerate(zip(ours, theirs)):
        a, b = clean(a), clean(b)
        assert a.shape == b.shape, f"H{dim}: {len(a)} bars vs {len(b)}"
        assert np.array_equal(np.isinf(a), np.isinf(b)), f"H{dim}: essential bars differ"
        fin = np.isfinite(a)
        assert np.allclose(a[fin], b[fin], atol=TOL, rtol=TOL), f"H{dim}: bars differ"


@st.composite
def clouds(draw, max_n=40):
    """Uniform, integer grids (exact ties), duplicates, circles, spheres and tori."""
    n = draw(st.integers(1, max_n))
    kind = draw(st.sampled_from(["uniform", "grid", "duplicates", "circle", "sphere", "torus"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "uniform":
        X = rng.uniform(-1, 1, (n, draw(st.integers(1, 5))))
    elif kind == "grid":
        X = rng.integers(0, 3, (n, draw(st.integers(1, 3)))).astype(float)
    elif kind == "duplicates":
        base = rng.normal(size=(max(1, n // 3), 3))
        X = base[rng.integers(0, len(base), n)]
    elif kind == "circle":
        t = rng.uniform(0, 2 * np.pi, n)
        X = np.c_[np.cos(t), np.sin(t)] + rng.normal(0, 0.05, (n, 2))
    elif kind == "sphere":
        X = rng.normal(size=(n, 3))
        X /= np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    else:
        a, b = rng.uniform(0, 2 * np.pi, (2, n))
        X = np.c_[(2 + np.cos(a)) * np.cos(b), (2 + np.cos(a)) * np.sin(b), np.sin(a)]
    return X


def dist_matrix(X):
    return cdist(X, X)


options = st.fixed_dictionaries(
    {
        "maxdim": st.integers(0, 2),
        "coeff": st.sampled_from([2, 3]),
        "thresh": st.sampled_from([np.inf, 0.5, 1.0, 2.0]),
    }
)


@needs_ripser
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=clouds(), opts=options)
def test_distance_matrix_matches_ripser(X, opts):
    D = dist_matrix(X)
    ours = fasttda.rips(D, distance_matrix=True, **opts)
    theirs = ripser(D, distance_matrix=True, **opts)
    assert_same(ours["dgms"], theirs["dgms"])
    if np.isfinite(opts["thresh"]) or len(X) > 1:
        assert ours["num_edges"] == theirs["num_edges"]


@needs_ripser
@pytest.mark.filterwarnings("ignore:The input:UserWarning")  # ripser.py's warnings for square or wide clouds
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=clouds(), opts=options)
def test_point_cloud_matches_ripser(X, opts):
    ours = fasttda.rips(X, **opts)
    theirs = ripser(dist_matrix(X), distance_matrix=True, **opts)
    assert_same(ours["dgms"], theirs["dgms"])


@needs_ripser
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=clouds(), opts=options, upper_only=st.booleans())
def test_sparse_matrix_matches_ripser(X, opts, upper_only):
    D = dist_matrix(X)
    cut = opts["thresh"] if np.isfinite(opts["thresh"]) else 1.5
    i, j = np.nonzero((D <= cut) & ~np.eye(len(X), dtype=bool))
    if upper_only:
        keep = i < j
        i, j = i[keep], j[keep]
    A = sparse.coo_matrix((D[i, j], (i, j)), shape=D.shape)
    ours = fasttda.rips(A, **opts)
    if upper_only:  # mirror by hand: adding the transpose would drop explicit zeros (duplicate points)
        i, j = np.r_[i, j], np.r_[j, i]
    full = sparse.coo_matrix((D[i, j], (i, j)), shape=D.shape)
    theirs = ripser(full, distance_matrix=True, **opts)
    assert_same(ours["dgms"], theirs["dgms"])


@needs_ripser
@pytest.mark.parametrize("coeff", [2, 3])
def test_dimension_three_matches_ripser(coeff):
    X = np.random.default_rng(5).normal(size=(22, 4))
    D = dist_matrix(X)
    assert_same(
        fasttda.rips(D, maxdim=3, coeff=coeff, distance_matrix=True)["dgms"],
        ripser(D, maxdim=3, coeff=coeff, distance_matrix=True)["dgms"],
    )


@needs_ripser
def test_float32_points_and_larger_primes():
    X = noisy_circle(40).astype(np.float32)
    D = dist_matrix(X.astype(np.float64))
    assert_same(fasttda.rips(X, coeff=127)["dgms"], ripser(D, coeff=127, distance_matrix=True)["dgms"])
    # ripser.py aborts from coeff=251 on; no torsion here, so every field agrees.
    assert_same(fasttda.rips(X, coeff=7919)["dgms"], fasttda.rips(X, coeff=2)["dgms"])


def test_output_format():
    X = np.random.default_rng(0).normal(size=(30, 2))
    res = fasttda.rips(X, maxdim=2)
    assert list(res) == ["dgms", "cocycles", "num_edges", "dperm2all", "idx_perm", "r_cover"]
    assert len(res["dgms"]) == 3
    for d in res["dgms"]:
        assert d.dtype == np.float64 and d.ndim == 2 and d.shape[1] == 2
    assert np.isinf(res["dgms"][0][:, 1]).sum() == 1


def noisy_circle(n=100, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(t), np.sin(t)] + rng.normal(0, 0.05, (n, 2))


def long_bars(dgm, length):
    return int(np.count_nonzero(dgm[:, 1] - dgm[:, 0] > length))


def test_noisy_circle_has_one_long_h1_bar():
    h1 = fasttda.rips(noisy_circle())["dgms"][1]
    assert long_bars(h1, 0.5) == 1


def test_torus_has_two_long_h1_bars_and_one_h2_bar():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0, 2 * np.pi, (2, 2000))
    X = np.c_[(2 + np.cos(a)) * np.cos(b), (2 + np.cos(a)) * np.sin(b), np.sin(a)]
    L = X[fasttda.maxmin(X, 200)]
    h = fasttda.rips(L, maxdim=2, thresh=2.0)["dgms"]
    assert long_bars(h[1], 0.6) == 2
    assert long_bars(h[2], 0.3) == 1


@pytest.mark.parametrize("coeff", [2, 3])
def test_thread_count_does_not_change_the_result(coeff):
    X = fasttda.datasets.filter_like(3000, seed=2)
    L = X[fasttda.maxmin(X, 300)]
    dense = [fasttda.rips(L, maxdim=1, coeff=coeff, n_threads=t)["dgms"] for t in (1, 2, 3)]
    graph = [fasttda.rips(L, maxdim=2, thresh=1.0, coeff=coeff, n_threads=t)["dgms"] for t in (1, 2, 3)]
    for res in (dense, graph):
        for other in res[1:]:
            for a, b in zip(res[0], other):
                assert np.array_equal(a, b)


# --- the javaplex natural image patches (Carlsson et al. 2008)


def patch_landmarks(k, n_landmarks):
    X = fasttda.datasets.natural_patches(np.float64)  # shipped with fasttda
    core = X[fasttda.dense_core(X, k, 0.3)]
    return core[fasttda.maxmin(core, n_landmarks)]


# 400 landmarks, Rips up to 0.9 (a radius-graph filtration, no n×n matrix).
# "Long" means persistence > 0.25: the bars found are 0.36-0.48 long, all the
# others below 0.16.


def test_patches_k300_core_is_a_circle():
    L = patch_landmarks(300, 400)
    h1 = fasttda.rips(L, maxdim=1, thresh=0.9)["dgms"][1]
    assert long_bars(h1, 0.25) == 1


def test_patches_k15_core_is_three_circles():
    # The three-circle model: the primary and two secondary circles, five loops.
    L = patch_landmarks(15, 400)
    h1 = fasttda.rips(L, maxdim=1, thresh=0.9)["dgms"][1]
    assert long_bars(h1, 0.25) == 5


# --- bad input


@pytest.mark.parametrize("coeff", [0, 1, 4, 9, 100])
def test_coeff_must_be_prime(coeff):
    with pytest.raises(ValueError, match="prime"):
        fasttda.rips(noisy_circle(10), coeff=coeff)


@pytest.mark.parametrize("maxdim", [-1, 4])
def test_maxdim_range(maxdim):
    with pytest.raises(ValueError, match="maxdim"):
        fasttda.rips(noisy_circle(10), maxdim=maxdim)


@pytest.mark.parametrize(
    "D, match",
    [
        (np.ones((3, 4)), "square"),
        (np.array([[0, 1], [2, 0]]), "symmetric"),
        (np.array([[0, -1], [-1, 0]]), "negative"),
        (np.array([[0, np.nan], [np.nan, 0]]), "NaN"),
        (np.zeros((0, 0)), "empty"),
    ],
)
def test_bad_distance_matrix(D, match):
    with pytest.raises(ValueError, match=match):
        fasttda.rips(D, distance_matrix=True)


def test_bad_sparse_and_points():
    with pytest.raises(ValueError, match="symmetric"):
        fasttda.rips(sparse.coo_matrix(([1.0, 2.0], ([0, 1], [1, 0])), shape=(2, 2)))
    with pytest.raises(ValueError, match="negative"):
        fasttda.rips(sparse.coo_matrix(([-1.0], ([0], [1])), shape=(2, 2)))
    with pytest.raises(ValueError, match="empty"):
        fasttda.rips(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="NaN"):
        fasttda.rips(np.array([[0.0, np.nan], [1.0, 2.0], [3.0, 4.0]]))
    with pytest.raises(ValueError, match="thresh"):
        fasttda.rips(noisy_circle(10), thresh=-1.0)
    with pytest.raises(ValueError, match="finite thresh"):
        fasttda.rips(np.zeros((40_000, 2)))


def test_index_overflow_is_refused_before_allocating():
    n = 3_000_000
    A = sparse.coo_matrix(([1.0], ([0], [1])), shape=(n, n))
    start = time.perf_counter()
    with pytest.raises(ValueError, match="overflow"):
        fasttda.rips(A, maxdim=3)
    assert time.perf_counter() - start < 2.0
    assert len(fasttda.rips(A, maxdim=1)["dgms"][0]) == n - 1 + 1  # one bar per component; fits in 63 bits


def test_interrupt_stops_rips():
    X = fasttda.datasets.filter_like(20_000, seed=3)
    L = X[fasttda.maxmin(X, 1500)]
    assert_interrupted(lambda: fasttda.rips(L, maxdim=2, n_threads=1), after=0.5, within=2.5)
    assert len(fasttda.rips(L[:20])["dgms"]) == 2  # still usable


def test_threshold_is_a_closed_ball_everywhere():
    # Two points exactly thresh apart: an edge for Rips on points, on a matrix, and for radius_graph.
    X = np.array([[0.0], [1.0]])
    assert fasttda.rips(X, maxdim=0, thresh=1.0)["num_edges"] == 1
    assert fasttda.rips(dist_matrix(X), maxdim=0, thresh=1.0, distance_matrix=True)["num_edges"] == 1
    assert fasttda.radius_graph(X, 1.0)[0].tolist() == [[0, 1]]
    assert fasttda.rips(X, maxdim=0, thresh=np.nextafter(1.0, 0, dtype=np.float32))["num_edges"] == 0
