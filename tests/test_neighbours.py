"""Neighbourhood engine against brute force, scipy and the published javaplex cores."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

import fasttda
from conftest import assert_interrupted, clouds, load_mat, sq_dists
from fasttda import _core

pytestmark = pytest.mark.kernels  # the sanitizer build reruns these


def brute_knn(X, k):
    D = sq_dists(X, X)
    np.fill_diagonal(D, np.inf)
    n = len(X)
    order = np.lexsort((np.broadcast_to(np.arange(n), (n, n)), D), axis=1)[:, :k]
    return order, np.sqrt(np.take_along_axis(D, order, axis=1))


@settings(max_examples=150, deadline=None)
@given(clouds(), st.data())
def test_knn_and_codensity_equal_brute_force(X, data):
    k = data.draw(st.integers(1, len(X) - 1))
    idx, dist = fasttda.knn(X, k)
    ref_idx, ref_dist = brute_knn(X, k)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(dist, ref_dist)
    np.testing.assert_array_equal(fasttda.codensity(X, k), ref_dist[:, -1])


@settings(max_examples=40, deadline=None)
@given(clouds(min_n=70, max_n=700), st.data())
def test_knn_with_large_k_equals_brute_force(X, data):
    # k >= 32 and searches that gather 64+ candidates: the buffer's histogram cut
    # ranks them, on ties, duplicates and spread-out distances alike.
    k = data.draw(st.integers(32, min(len(X) - 1, 300)))
    idx, dist = fasttda.knn(X, k)
    ref_idx, ref_dist = brute_knn(X, k)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(dist, ref_dist)
    np.testing.assert_array_equal(fasttda.codensity(X, k), ref_dist[:, -1])


@settings(max_examples=100, deadline=None)
@given(clouds(), st.data())
def test_dense_core_equals_sorted_codensity(X, data):
    k = data.draw(st.integers(1, len(X) - 1))
    p = data.draw(st.floats(0.01, 1.0))
    rho = brute_knn(X, k)[1][:, -1]
    m = int(np.ceil(round(p * len(X), 9)))
    expected = np.lexsort((np.arange(len(X)), rho))[:m]
    np.testing.assert_array_equal(fasttda.dense_core(X, k, p), expected)
    core, core_rho = fasttda.dense_core(X, k, p, return_codensity=True)
    np.testing.assert_array_equal(core_rho, rho[expected])
    # Every search radius gives the same core: a radius below the core's codensity makes the
    # engine search the rest again without a limit; one above it decides every point at once.
    radius = data.draw(st.sampled_from([0.0, float(np.median(rho)), float(rho.max()) * 2]))
    core, core_rho = _core._testing.dense_core(np.ascontiguousarray(X), k, m, radius)
    np.testing.assert_array_equal(core, expected)
    np.testing.assert_array_equal(core_rho, rho[expected])


@pytest.mark.parametrize("kind", ["uniform8", "sphere8", "grid", "clusters"])
@pytest.mark.parametrize("k, p", [(15, 0.05), (30, 0.3), (100, 0.6)])
def test_dense_core_of_larger_clouds_equals_ranked_codensity(kind, k, p):
    # Large enough (n >= 3200) that the engine bounds its searches by a sampled radius.
    rng = np.random.default_rng(len(kind) * 1000 + k)
    n = 5000
    if kind == "uniform8":
        X = rng.uniform(-1, 1, (n, 8))
    elif kind == "sphere8":
        X = rng.normal(size=(n, 8))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    elif kind == "grid":  # many exact ties and duplicates
        X = rng.integers(0, 4, (n, 3)).astype(float)
    else:  # dense clusters in sparse noise
        X = np.concatenate(
            [rng.normal(0, 0.05, (n // 2, 4)) + rng.integers(0, 3, (n // 2, 1)), rng.uniform(-3, 3, (n - n // 2, 4))]
        )
    X = X.astype(np.float32)
    rho = fasttda.codensity(X, k)
    expected = np.lexsort((np.arange(n), rho))[: int(np.ceil(p * n))]
    core, core_rho = fasttda.dense_core(X, k, p, return_codensity=True, n_threads=2)
    np.testing.assert_array_equal(core, expected)
    np.testing.assert_array_equal(core_rho, rho[expected])


def maxmin_reference(X, m, first):
    nearest = np.full(len(X), np.inf, dtype=X.dtype)
    chosen = [first]
    while True:
        nearest = np.minimum(nearest, sq_dists(X, X[chosen[-1]][None])[:, 0])
        nearest[chosen] = -1
        if len(chosen) == m:
            return np.array(chosen), float(np.sqrt(max(nearest.max(), 0)))
        chosen.append(int(np.argmax(nearest)))


@settings(max_examples=100, deadline=None)
@given(clouds(min_n=1), st.data())
def test_maxmin_equals_reference_loop(X, data):
    m = data.draw(st.integers(1, len(X)))
    seed = data.draw(st.integers(0, 100))
    first = int(np.random.default_rng(seed).integers(len(X)))
    landmarks, radius = fasttda.maxmin(X, m, seed=seed, return_radius=True)
    ref, ref_radius = maxmin_reference(X, m, first)
    np.testing.assert_array_equal(landmarks, ref)
    assert len(set(landmarks.tolist())) == m
    assert radius == pytest.approx(ref_radius, rel=1e-6, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(clouds(), st.floats(0.0, 3.0))
def test_radius_graph_equals_brute_force(X, r):
    edges, dist = fasttda.radius_graph(X, r)
    D = sq_dists(X, X)
    rr = X.dtype.type(r) * X.dtype.type(r)
    i, j = np.nonzero(np.triu(D <= rr, 1))  # closed balls
    np.testing.assert_array_equal(edges, np.stack([i, j], axis=1).reshape(-1, 2))
    np.testing.assert_array_equal(dist, np.sqrt(D[i, j]))


def test_matches_cKDTree_on_filter_like_data():
    X = fasttda.datasets.filter_like(20_000, seed=3, dtype=np.float64)
    d, i = cKDTree(X).query(X, 16)
    np.testing.assert_allclose(fasttda.codensity(X, 15), d[:, 15], rtol=1e-12)
    idx, dist = fasttda.knn(X, 15)
    np.testing.assert_allclose(dist, d[:, 1:], rtol=1e-12)
    assert (idx == i[:, 1:]).mean() > 0.999  # rare exact ties may be ordered differently
    pairs = cKDTree(X).query_pairs(0.05, output_type="ndarray")
    edges, _ = fasttda.radius_graph(X, 0.05)
    assert set(map(tuple, edges.tolist())) == set(map(tuple, np.sort(pairs, axis=1).tolist()))


def test_float32_kernel_is_used_and_close():
    X = fasttda.datasets.filter_like(5000, seed=4)
    rho32 = fasttda.codensity(X, 10)
    assert rho32.dtype == np.float32
    np.testing.assert_allclose(rho32, fasttda.codensity(X.astype(np.float64), 10), rtol=1e-5)


def test_results_do_not_depend_on_thread_count():
    X = fasttda.datasets.filter_like(30_000, seed=5)
    for fn in [
        lambda t: fasttda.knn(X, 7, n_threads=t),
        lambda t: fasttda.maxmin(X, 300, seed=2, return_radius=True, n_threads=t),
        lambda t: fasttda.radius_graph(X, 0.05, n_threads=t),
    ]:
        a, b = fn(1), fn(3)
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)


def test_non_contiguous_and_integer_input():
    X = np.asfortranarray(np.random.default_rng(0).normal(size=(200, 3)))
    np.testing.assert_array_equal(fasttda.codensity(X[::2], 3), fasttda.codensity(np.ascontiguousarray(X[::2]), 3))
    G = np.random.default_rng(1).integers(0, 5, (50, 2))
    np.testing.assert_array_equal(fasttda.codensity(G, 4), fasttda.codensity(G.astype(float), 4))


@pytest.mark.parametrize("k, name", [(300, "nk300c30Dct"), (15, "nk15c30Dct")])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_reproduces_published_dense_cores(k, name, dtype):
    published = load_mat("natural_patches", name)  # first: without the published cores the test skips
    X = load_mat("natural_patches", "n50000Dct")  # the float64 original they were computed from
    # The published core is a list of points: find where each lies in the full cloud.
    dist, where = cKDTree(X).query(published)
    assert dist.max() == 0
    core = fasttda.dense_core(X.astype(dtype), k, 0.3)
    assert len(core) == 15_000
    assert len(set(core.tolist()) ^ set(where.tolist())) <= 2


def test_shipped_patches_equal_the_reference():
    X = load_mat("natural_patches", "n50000Dct")
    np.testing.assert_array_equal(fasttda.datasets.natural_patches(), X.astype(np.float32))


BAD = [
    (lambda: fasttda.codensity(np.zeros((0, 3)), 1), ValueError, "empty"),
    (lambda: fasttda.codensity(np.zeros(5), 1), ValueError, "2-D"),
    (lambda: fasttda.codensity(np.zeros((5, 0)), 1), ValueError, "0 coordinates"),
    (lambda: fasttda.codensity(np.array([[0.0], [np.nan], [1.0]]), 1), ValueError, "NaN"),
    (lambda: fasttda.codensity(np.array([[0.0], [np.inf], [1.0]]), 1), ValueError, "infinite"),
    (lambda: fasttda.codensity(np.zeros((5, 2)), 5), ValueError, "k must be smaller"),
    (lambda: fasttda.codensity(np.zeros((5, 2)), 0), ValueError, "at least 1"),
    (lambda: fasttda.codensity(np.zeros((5, 2)), 1.5), TypeError, "integer"),
    (lambda: fasttda.knn(np.zeros((5, 2)), 9), ValueError, "k must be smaller"),
    (lambda: fasttda.dense_core(np.zeros((5, 2)), 2, 0.0), ValueError, "p must be"),
    (lambda: fasttda.dense_core(np.zeros((5, 2)), 2, 1.5), ValueError, "p must be"),
    (lambda: fasttda.maxmin(np.zeros((5, 2)), 6), ValueError, "n_landmarks"),
    (lambda: fasttda.maxmin(np.zeros((5, 2)), 0), ValueError, "n_landmarks"),
    (lambda: fasttda.radius_graph(np.zeros((5, 2)), -1), ValueError, "r must be"),
    (lambda: fasttda.radius_graph(np.zeros((5, 2)), np.nan), ValueError, "r must be"),
    (lambda: fasttda.codensity(np.array([["a", "b"]]), 1), TypeError, "real numbers"),
    (lambda: fasttda.codensity(np.zeros((5, 2)), 2, n_threads=0), ValueError, "n_threads"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_core_rejects_bad_input_itself():
    """The binding checks too, so a direct call to the core cannot crash it."""
    with pytest.raises(ValueError, match="NaN"):
        fasttda._core.codensity(np.array([[np.nan], [0.0]]), 1)
    with pytest.raises(ValueError, match="k must be smaller"):
        fasttda._core.knn(np.zeros((3, 2)), 3)
    with pytest.raises(ValueError):
        fasttda._core.maxmin(np.zeros((3, 2)), 2, 7)


def test_concurrent_calls_from_python_threads_agree():
    from concurrent.futures import ThreadPoolExecutor

    X = fasttda.datasets.filter_like(20_000, seed=6)
    expected = fasttda.codensity(X, 10), fasttda.maxmin(X, 100)
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(lambda _: (fasttda.codensity(X, 10, n_threads=2), fasttda.maxmin(X, 100, n_threads=2)), range(8))
        )
    for rho, landmarks in results:
        np.testing.assert_array_equal(rho, expected[0])
        np.testing.assert_array_equal(landmarks, expected[1])


def test_interrupt_stops_maxmin_rounds():
    X = fasttda.datasets.filter_like(400_000, seed=7)
    assert_interrupted(lambda: fasttda.maxmin(X, 50_000, n_threads=2), within=3.0)
