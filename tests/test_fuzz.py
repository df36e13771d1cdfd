"""Fuzzing every public function with arbitrary input.

Each case predicts from the input alone whether it is valid. A valid input must
give the reference answer (brute force, ripser.py or the defining property);
an invalid one must raise ValueError or TypeError with a message. A crash, a
hang, a MemoryError or a quiet wrong answer fails.
"""

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fasttda

# FASTTDA_FUZZ_EXAMPLES raises the count for a long sweep (the RELIABILITY figures).
EXAMPLES = int(os.environ.get("FASTTDA_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
pytestmark = [
    pytest.mark.kernels,
    pytest.mark.filterwarnings("ignore::UserWarning"),
]  # ripser.py on square or wide clouds
REAL = (np.float64, np.float32, np.float16, np.int32, np.int8, np.uint8, np.bool_)
OTHER = (np.complex128, object, "U3")


@st.composite
def arrays(draw, max_n=30, max_d=9):
    """Point clouds of any shape, dtype and memory layout, sometimes poisoned with NaN or inf."""
    ndim = draw(st.sampled_from([2, 2, 2, 2, 1, 3, 0]))
    shape = tuple(draw(st.integers(0, max_n if i == 0 else max_d)) for i in range(ndim))
    kind = draw(st.sampled_from(["normal", "grid", "duplicates", "constant", "huge"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    size = int(np.prod(shape))
    if kind == "normal":
        flat = rng.normal(size=size)
    elif kind == "grid":
        flat = rng.integers(-2, 3, size=size).astype(float)
    elif kind == "duplicates":
        flat = np.resize(rng.normal(size=max(1, size // 3)), size)
    elif kind == "constant":
        flat = np.full(size, 0.5)
    else:
        flat = rng.normal(size=size) * 1e30
    X = flat.reshape(shape)
    dtype = draw(st.sampled_from(REAL + OTHER))
    if dtype in (np.float32, np.float64) and size and draw(st.booleans()):
        X = X.copy()
        X.flat[draw(st.integers(0, size - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with np.errstate(all="ignore"):
        X = X.astype(dtype)
    layout = draw(st.sampled_from(["c", "fortran", "strided", "reversed"]))
    if layout == "fortran":
        X = np.asfortranarray(X)
    elif layout == "strided" and X.ndim:
        X = np.repeat(X, 2, axis=0)[::2]
    elif layout == "reversed" and X.ndim:
        X = X[::-1]
    return X


def as_cloud(X):
    """The float array a valid input stands for, or None when the input must be refused."""
    if X.dtype.kind not in "fiub" or X.ndim != 2 or 0 in X.shape:
        return None
    Y = X.astype(np.float32 if X.dtype == np.float32 else np.float64)
    return Y if np.isfinite(Y).all() else None


def integer_like(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


ints = st.one_of(
    st.integers(-3, 40),
    st.sampled_from([2**31, 2**63 - 1, 10**30]),
    st.booleans(),
    st.floats(allow_nan=True),
    st.none(),
    st.just("5"),
)
fractions = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, 1, 1e-12, 0.5]), st.just("0.3"), st.none()
)


def expect(valid, call):
    """Runs call; valid inputs must succeed, invalid ones raise ValueError/TypeError with a message."""
    if valid:
        return call()
    with pytest.raises((ValueError, TypeError)) as err:
        call()
    assert str(err.value).strip()
    return None


def brute(Y):
    Z = Y.astype(np.float64)
    D = np.sqrt(np.maximum(((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1), 0))
    return D


def close(a, b, Y):
    scale = 1.0 + float(np.abs(Y.astype(np.float64)).max())
    tol = (1e-4 if Y.dtype == np.float32 else 1e-9) * scale
    return np.allclose(a, b, rtol=1e-4, atol=tol)


@FUZZ
@given(arrays(), ints)
def test_codensity_and_knn(X, k):
    Y = as_cloud(X)
    valid = Y is not None and integer_like(k) and 1 <= k < Y.shape[0]
    rho = expect(valid, lambda: fasttda.codensity(X, k))
    got = expect(valid, lambda: fasttda.knn(X, k))
    if not valid:
        return
    D = brute(Y)
    np.fill_diagonal(D, np.inf)
    want = np.sort(D, axis=1)[:, :k]
    idx, dist = got
    assert idx.shape == dist.shape == (Y.shape[0], k)
    assert close(dist, want, Y) and close(rho, want[:, -1], Y)
    assert (idx != np.arange(Y.shape[0])[:, None]).all()
    assert close(np.take_along_axis(D, idx, 1), dist, Y)


@FUZZ
@given(arrays(), ints, fractions)
def test_dense_core(X, k, p):
    Y = as_cloud(X)
    valid = (
        Y is not None
        and integer_like(k)
        and 1 <= k < Y.shape[0]
        and isinstance(p, (int, float))
        and not isinstance(p, bool)
        and 0 < p <= 1
    )
    core = expect(valid, lambda: fasttda.dense_core(X, k, p))
    if not valid:
        return
    n = Y.shape[0]
    assert len(core) == max(1, min(n, math.ceil(round(p * n, 9)))) == len(set(core.tolist()))
    D = brute(Y)
    np.fill_diagonal(D, np.inf)
    rho = np.sort(D, axis=1)[:, k - 1]
    rest = np.setdiff1d(np.arange(n), core)
    if len(rest):
        assert rho[core].max() <= rho[rest].min() + 1e-4 * (1 + rho.max())


@FUZZ
@given(arrays(), ints, st.integers(0, 2**63 - 1))
def test_maxmin(X, m, seed):
    Y = as_cloud(X)
    valid = Y is not None and integer_like(m) and 1 <= m <= Y.shape[0]
    got = expect(valid, lambda: fasttda.maxmin(X, m, seed=seed, return_radius=True))
    if not valid:
        return
    landmarks, radius = got
    assert len(landmarks) == m
    D = brute(Y)
    nearest = D[landmarks].min(axis=0)
    assert close(radius, nearest.max(), Y)
    # greedy: each landmark is (one of) the farthest from those chosen before it
    for i in range(1, m):
        far = D[landmarks[:i]].min(axis=0)
        assert close(far[landmarks[i]], far.max(), Y)


@FUZZ
@given(arrays(), st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just("1"), st.none()))
def test_radius_graph(X, r):
    Y = as_cloud(X)
    valid = Y is not None and isinstance(r, float) and math.isfinite(r) and r >= 0
    got = expect(valid, lambda: fasttda.radius_graph(X, r))
    if not valid:
        return
    edges, dist = got
    D = brute(Y)
    assert (edges[:, 0] < edges[:, 1]).all()
    assert close(D[edges[:, 0], edges[:, 1]], dist, Y)
    i, j = np.triu_indices(len(Y), 1)
    found = {tuple(e) for e in edges.tolist()}
    slack = (1e-4 if Y.dtype == np.float32 else 1e-9) * (1 + r)
    must = {(a, b) for a, b in zip(i.tolist(), j.tolist()) if D[a, b] < r - slack}
    never = {(a, b) for a, b in zip(i.tolist(), j.tolist()) if D[a, b] > r + slack}
    assert must <= found and not (found & never)


@FUZZ
@pytest.mark.filterwarnings("ignore:The input:UserWarning")  # ripser.py's warnings for square or wide clouds
@given(
    arrays(max_n=25, max_d=4),
    st.one_of(st.integers(-1, 3), st.sampled_from([4, 100]), st.none()),
    st.one_of(st.sampled_from([np.inf, 0.0, 0.5, 2.0, -1.0, np.nan]), st.just("x")),
    st.sampled_from([2, 3, 4, 7, 1, 0]),
)
def test_rips(X, maxdim, thresh, coeff):
    ripser = pytest.importorskip("ripser").ripser
    Y = as_cloud(X)
    valid = (
        Y is not None
        and integer_like(maxdim)
        and 0 <= maxdim <= 3
        and isinstance(thresh, float)
        and not math.isnan(thresh)
        and thresh >= 0
        and coeff in (2, 3, 7)
    )
    got = expect(valid, lambda: fasttda.rips(X, maxdim=maxdim, thresh=thresh, coeff=coeff))
    if not valid or maxdim > 2 or np.abs(Y).max() > 1e6:
        return  # ripser.py in dimension 3 is too slow to fuzz; huge coordinates overflow float32 distances
    want = ripser(Y.astype(np.float64), maxdim=maxdim, thresh=thresh, coeff=coeff)["dgms"]
    for ours, theirs in zip(got["dgms"], want):
        keep = lambda d: np.sort(d[d[:, 1] - d[:, 0] > 1e-4], axis=0)  # noqa: E731
        a, b = keep(ours), keep(theirs)
        assert a.shape == b.shape
        assert np.allclose(a, b, rtol=1e-4, atol=1e-4)


@FUZZ
@given(
    arrays(max_n=30, max_d=4),
    st.sampled_from(["pca1", "pca2", "codensity", "circle_angle", "nope"]),
    st.one_of(st.integers(-1, 12), st.sampled_from([10**6, 2**40]), st.floats(allow_nan=True)),
    st.one_of(st.floats(-0.5, 1.5), st.just(np.nan)),
    st.sampled_from(["uniform", "balanced", "cubes"]),
)
def test_mapper(X, lens, n_intervals, overlap, cover):
    Y = as_cloud(X)
    n = 0 if Y is None else Y.shape[0]
    fine_lens = (
        lens in ("pca1", "pca2")
        or (lens == "codensity" and n >= 2)
        or (lens == "circle_angle" and Y is not None and Y.shape[1] == 8)
    )
    valid = (
        Y is not None
        and fine_lens
        and integer_like(n_intervals)
        and 1 <= n_intervals <= 10**6
        and 0 <= overlap < 1
        and cover != "cubes"
    )
    graph = expect(valid, lambda: fasttda.mapper(X, lens, n_intervals=n_intervals, overlap=overlap, cover=cover))
    if not valid:
        return
    covered = np.zeros(n, bool)
    for members in graph.nodes:
        covered[np.asarray(members)] = True
    assert covered.all()  # every point lies in some node
    for a, b in np.asarray(graph.edges).reshape(-1, 2):
        assert set(graph.nodes[a]) & set(graph.nodes[b])  # an edge is a shared point


@st.composite
def weights(draw):
    shape = draw(
        st.sampled_from(
            [(4, 2, 3, 3), (3, 2, 2, 3, 3), (7, 3, 3), (7, 9), (5, 5, 5), (0, 3, 3), (2, 1, 5, 5), (9,), (4, 2, 3, 4)]
        )
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    W = rng.normal(size=shape)
    how = draw(st.sampled_from(["plain", "constant", "nan", "inf", "tiny", "int"]))
    if how == "constant":
        W[...] = 0.25
    elif how in ("nan", "inf") and W.size:
        W.flat[0] = np.nan if how == "nan" else np.inf
    elif how == "tiny":
        W *= 1e-30
    elif how == "int":
        W = (W * 3).astype(np.int16)
    return W, how


@FUZZ
@given(weights(), st.sampled_from(["L2", "D", "l1"]), st.one_of(st.floats(-1, 2), st.just(np.nan)))
def test_filter_vectors(w, norm, min_contrast):
    W, how = w
    shape_ok = (
        (W.ndim in (4, 5) and W.shape[-1] == W.shape[-2])
        or (W.ndim == 3 and W.shape[1] == W.shape[2])
        or (W.ndim == 2 and math.isqrt(W.shape[1]) ** 2 == W.shape[1])
    )
    valid = (
        shape_ok
        and W.size > 0
        and how not in ("nan", "inf", "constant")
        and norm in ("L2", "D")
        and 0 <= min_contrast < 1
    )
    try:
        fv = fasttda.filter_vectors(W, norm=norm, min_contrast=min_contrast)
    except (ValueError, TypeError) as err:
        assert str(err).strip()
        # valid weights may still lose every slice to the contrast cut (e.g. integer weights of one value)
        assert not valid or "dropped" in str(err) or how == "int"
        return
    assert valid or how == "tiny", f"accepted invalid input ({how}, shape {W.shape}, norm {norm})"
    P = np.asarray(fv.points)
    assert np.isfinite(P).all() and len(P) >= 1
    if norm == "L2":
        assert np.allclose(np.linalg.norm(P, axis=1), 1, atol=1e-5)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([20, 60, 200]),
    ints,
    st.one_of(st.sampled_from([0.3, 1.0, 0.0, 2.0]), st.just(np.nan)),
    st.one_of(st.sampled_from([1, 5, 50, 10**9]), st.just(0)),
)
def test_analyze(seed, n, k, p, n_landmarks):
    X = np.random.default_rng(seed).normal(size=(n, 8))
    valid = (k is None or integer_like(k) and 1 <= k < n) and 0 < p <= 1 and n_landmarks >= 1
    result = expect(valid, lambda: fasttda.analyze(X, k=k, p=p, n_landmarks=n_landmarks, norm="L2"))
    if valid:
        assert result.summary()
        assert len(result.core) == max(1, min(n, math.ceil(round(p * n, 9))))


def test_silly_sizes_are_refused_before_allocating():
    X = np.random.default_rng(0).normal(size=(60_000, 2)).astype(np.float32)
    assert 0 < fasttda._core.available_memory() < 60_000 * 59_999 * 12  # 43 GB of n×k tables
    with pytest.raises(ValueError, match=r"knn of 60000 points .* would need 43\.2 GB of memory"):
        fasttda.knn(X, 59_999)
    with pytest.raises(ValueError, match="finite thresh"):
        fasttda.rips(X)


def test_concurrent_calls_of_every_engine_agree():
    """The same calls from several Python threads at once (the GIL released) give the one-thread answers."""
    from concurrent.futures import ThreadPoolExecutor

    X = fasttda.datasets.filter_like(4000, seed=3)
    calls = {
        "codensity": lambda: fasttda.codensity(X, 30),
        "dense_core": lambda: fasttda.dense_core(X, 30, 0.3),
        "maxmin": lambda: fasttda.maxmin(X, 200),
        "radius_graph": lambda: fasttda.radius_graph(X, 0.2)[0],
        "rips": lambda: fasttda.rips(X[fasttda.maxmin(X, 150)], maxdim=1)["dgms"][1],
        "mapper": lambda: fasttda.mapper(X, "pca2").to_dict()["edges"],
    }
    want = {name: call() for name, call in calls.items()}
    with ThreadPoolExecutor(6) as pool:
        futures = [(name, pool.submit(call)) for _ in range(3) for name, call in calls.items()]
        for name, f in futures:
            assert np.array_equal(np.asarray(f.result()), np.asarray(want[name])), name
