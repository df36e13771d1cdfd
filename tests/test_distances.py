"""Bottleneck and Wasserstein distances against brute force, persim and GUDHI."""

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fasttda
from conftest import assert_interrupted

pytestmark = pytest.mark.kernels  # the sanitizer build reruns these

INF = np.inf


# ---------------------------------------------------------------- references


def _norm(u, v, q):
    u, v = abs(u), abs(v)
    return max(u, v) if q == INF else (u**q + v**q) ** (1 / q)


def brute_force(A, B, p=None, q=INF):
    """Every partial matching of the finite points (the rest to the diagonal);
    p=None is the bottleneck distance. Only for a handful of points."""
    A = [tuple(a) for a in A]
    B = [tuple(b) for b in B]
    diag = lambda x: _norm((x[1] - x[0]) / 2, (x[1] - x[0]) / 2, q)
    best = INF
    for k in range(min(len(A), len(B)) + 1):
        for S in itertools.combinations(range(len(A)), k):
            for T in itertools.permutations(range(len(B)), k):
                costs = [_norm(A[i][0] - B[j][0], A[i][1] - B[j][1], q) for i, j in zip(S, T)]
                costs += [diag(A[i]) for i in range(len(A)) if i not in S]
                costs += [diag(B[j]) for j in range(len(B)) if j not in T]
                c = max(costs, default=0.0) if p is None else sum(x**p for x in costs) ** (1 / p)
                best = min(best, c)
    return best


def matching_cost(A, B, m, p=None, q=INF):
    """The cost of a returned matching, checking that it uses every point once."""
    A, B = np.asarray(A, float).reshape(-1, 2), np.asarray(B, float).reshape(-1, 2)
    assert m.dtype == np.int64 and m.ndim == 2 and m.shape[1] == 2
    assert sorted(m[m[:, 0] >= 0, 0].tolist()) == list(range(len(A)))
    assert sorted(m[m[:, 1] >= 0, 1].tolist()) == list(range(len(B)))
    assert not ((m[:, 0] < 0) & (m[:, 1] < 0)).any()
    costs = []
    for i, j in m:
        if i >= 0 and j >= 0:
            a, b = A[i], B[j]
            if np.isfinite(a).all():
                costs.append(_norm(a[0] - b[0], a[1] - b[1], q))
            else:  # essential pair: same kind, the finite coordinates' gap
                assert (np.isinf(a) == np.isinf(b)).all() and (a[np.isinf(a)] == b[np.isinf(b)]).all()
                costs.append(float(np.abs(a[np.isfinite(a)] - b[np.isfinite(b)]).sum()))
        else:
            x = A[i] if i >= 0 else B[j]
            assert np.isfinite(x).all(), "an essential point was sent to the diagonal"
            costs.append(_norm((x[1] - x[0]) / 2, (x[1] - x[0]) / 2, q))
    return max(costs, default=0.0) if p is None else sum(c**p for c in costs) ** (1 / p)


# ---------------------------------------------------------------- strategies


def diagrams(max_points, grid=False):
    """(m, 2) diagrams; on a small integer grid there are many ties,
    duplicates and points on the diagonal."""
    coord = st.integers(0, 6).map(float) if grid else st.floats(0, 10, allow_nan=False, width=32).map(float)
    length = (
        st.integers(0, 4).map(float)
        if grid
        else st.one_of(st.just(0.0), st.floats(0, 5, allow_nan=False, width=32).map(float))
    )
    point = st.tuples(coord, length).map(lambda t: (t[0], t[0] + t[1]))
    return st.lists(point, max_size=max_points).map(lambda pts: np.array(pts, dtype=float).reshape(-1, 2))


def essential(max_count):
    """Essential points of the three kinds, a few of each."""
    kinds = st.sampled_from(["death", "birth", "both"])
    val = st.integers(0, 5).map(float)
    pt = st.tuples(kinds, val).map(
        lambda t: (t[1], INF) if t[0] == "death" else (-INF, t[1]) if t[0] == "birth" else (-INF, INF)
    )
    return st.lists(pt, max_size=max_count)


METRICS = [(1, INF), (2, INF), (1, 2), (2, 2), (3, 1), (1.5, 3)]

slow = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- brute force


@slow
@given(diagrams(4, grid=True), diagrams(4, grid=True))
def test_bottleneck_equals_brute_force_on_ties(A, B):
    d, m = fasttda.bottleneck(A, B, matching=True)
    assert d == pytest.approx(brute_force(A, B), abs=1e-12)
    assert matching_cost(A, B, m) == pytest.approx(d, abs=1e-12)


@slow
@given(diagrams(4), diagrams(4))
def test_bottleneck_equals_brute_force(A, B):
    d, m = fasttda.bottleneck(A, B, matching=True)
    assert d == pytest.approx(brute_force(A, B), rel=1e-12, abs=1e-12)
    assert matching_cost(A, B, m) == pytest.approx(d, rel=1e-12, abs=1e-12)


@slow
@given(diagrams(4, grid=True), diagrams(4), st.sampled_from(METRICS))
def test_wasserstein_equals_brute_force(A, B, metric):
    p, q = metric
    d, m = fasttda.wasserstein(A, B, p=p, internal_p=q, matching=True)
    assert d == pytest.approx(brute_force(A, B, p, q), rel=1e-9, abs=1e-12)
    assert matching_cost(A, B, m, p, q) == pytest.approx(d, rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------- persim, GUDHI


def gudhi_bottleneck(gudhi, A, B):
    """GUDHI's bottleneck distance at its default precision (the smallest
    positive double). Its exact mode, e=0, is not used: GUDHI 3.13 gives 2.0
    for three copies of (0, 3) against three of (0, 1), where 1.5 is right
    (every point to the diagonal)."""
    return gudhi.bottleneck_distance(A, B)


def test_gudhi_exact_mode_is_wrong_on_duplicates():
    """Why gudhi_bottleneck does not use e=0 (fails once GUDHI fixes it)."""
    gudhi = pytest.importorskip("gudhi")
    A, B = np.array([[0.0, 3.0]] * 3), np.array([[0.0, 1.0]] * 3)
    assert fasttda.bottleneck(A, B) == brute_force(A, B) == gudhi.bottleneck_distance(A, B) == 1.5
    assert gudhi.bottleneck_distance(A, B, 0) == 2.0


def h1_like(rng, n, long=2):
    """An H1-like diagram: many short bars, a few long ones."""
    births = rng.gamma(4, 0.05, n)
    pers = rng.exponential(0.02, n)
    k = min(long, n)
    pers[:k] = rng.uniform(0.5, 1.2, k)
    return np.c_[births, births + pers]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 120), st.integers(0, 120))
def test_against_persim(seed, n, m):
    persim = pytest.importorskip("persim")
    rng = np.random.default_rng(seed)
    A, B = h1_like(rng, n), h1_like(rng, m)
    if seed % 3 == 0:  # rounded: ties and duplicates
        A, B = A.round(2), B.round(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert fasttda.bottleneck(A, B) == pytest.approx(persim.bottleneck(A, B), rel=1e-12, abs=1e-12)
        # persim's distances come from scikit-learn's |x|^2 + |y|^2 - 2xy, good to about 1e-8
        assert fasttda.wasserstein(A, B, p=1, internal_p=2) == pytest.approx(
            persim.wasserstein(A, B), rel=1e-7, abs=1e-8
        )


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 100), st.integers(0, 100), st.sampled_from(METRICS))
def test_against_gudhi(seed, n, m, metric):
    gudhi = pytest.importorskip("gudhi")
    wd = pytest.importorskip("gudhi.wasserstein").wasserstein_distance
    pytest.importorskip("ot")
    rng = np.random.default_rng(seed)
    A, B = h1_like(rng, n, long=3), h1_like(rng, m, long=1)
    p, q = metric
    assert fasttda.bottleneck(A, B) == pytest.approx(gudhi_bottleneck(gudhi, A, B), rel=1e-9, abs=1e-12)
    assert fasttda.wasserstein(A, B, p=p, internal_p=q) == pytest.approx(
        wd(A, B, order=p, internal_p=q), rel=1e-7, abs=1e-10
    )


@settings(max_examples=60, deadline=None)
@given(diagrams(6, grid=True), diagrams(6), essential(5), essential(5), st.sampled_from(METRICS))
def test_essential_points_against_gudhi(A, B, EA, EB, metric):
    gudhi = pytest.importorskip("gudhi")
    wd = pytest.importorskip("gudhi.wasserstein").wasserstein_distance
    pytest.importorskip("ot")
    # Equal counts per kind half of the time, so both finite and inf distances come up.
    if len(EA) % 2 == 0:
        EB = [(b if np.isfinite(b) else -INF, d if np.isfinite(d) else INF) for b, d in EA][::-1]
        EB = [(x + 1.5 if np.isfinite(x) else x, y + 0.5 if np.isfinite(y) else y) for x, y in EB]
    A = np.vstack([A, np.array(EA).reshape(-1, 2)])
    B = np.vstack([np.array(EB).reshape(-1, 2), B])
    p, q = metric
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected_w = wd(A, B, order=p, internal_p=q)
        expected_b = gudhi_bottleneck(gudhi, A, B)
    d, m = fasttda.wasserstein(A, B, p=p, internal_p=q, matching=True)
    assert d == pytest.approx(expected_w, rel=1e-9, abs=1e-12)
    b, mb = fasttda.bottleneck(A, B, matching=True)
    assert b == pytest.approx(expected_b, rel=1e-9, abs=1e-12)
    if math.isinf(d):
        assert m is None and mb is None
    else:
        assert matching_cost(A, B, m, p, q) == pytest.approx(d, rel=1e-9, abs=1e-12)
        assert matching_cost(A, B, mb) == pytest.approx(b, abs=1e-12)


def test_rips_diagrams_against_gudhi():
    """Real H1 diagrams: Rips persistence of noisy circles."""
    gudhi = pytest.importorskip("gudhi")
    wd = pytest.importorskip("gudhi.wasserstein").wasserstein_distance
    pytest.importorskip("ot")
    rng = np.random.default_rng(7)
    dgms = []
    for k in range(4):
        t = rng.uniform(0, 2 * np.pi, 150)
        X = np.c_[np.cos(t), np.sin(t), np.zeros(150)] + (0.1 + 0.05 * k) * rng.standard_normal((150, 3))
        dgms.append(fasttda.rips(X, maxdim=1))
    H1 = [d["dgms"][1] for d in dgms]
    H0 = [d["dgms"][0] for d in dgms]  # one essential bar each
    for A, B in itertools.combinations(H1, 2):
        assert fasttda.bottleneck(A, B) == pytest.approx(gudhi_bottleneck(gudhi, A, B), rel=1e-9)
        assert fasttda.wasserstein(A, B, p=2, internal_p=2) == pytest.approx(wd(A, B, order=2, internal_p=2), rel=1e-9)
    for A, B in itertools.combinations(H0, 2):
        assert fasttda.wasserstein(A, B) == pytest.approx(wd(A, B), rel=1e-9)
        assert fasttda.bottleneck(A, B) == pytest.approx(gudhi_bottleneck(gudhi, A, B), rel=1e-9)
    D = fasttda.diagram_distances(dgms, dim=0, metric="wasserstein")
    assert D[0, 1] == fasttda.wasserstein(H0[0], H0[1])


# ---------------------------------------------------------------- edge cases


def test_edge_cases():
    empty = np.empty((0, 2))
    A = np.array([[0.0, 2.0], [1.0, 1.0]])  # one point on the diagonal
    assert fasttda.bottleneck(empty, empty) == 0.0
    assert fasttda.wasserstein(empty, empty) == 0.0
    assert fasttda.bottleneck(A, empty) == 1.0
    assert fasttda.wasserstein(A, [], p=2, internal_p=2) == pytest.approx(math.sqrt(2))
    assert fasttda.bottleneck(A, A) == 0.0 and fasttda.wasserstein(A, A) == 0.0
    assert fasttda.bottleneck([[1, 1], [2, 2]], empty) == 0.0
    d, m = fasttda.wasserstein(A, empty, matching=True)
    assert d == 1.0 and m.tolist() == [[0, -1], [1, -1]]
    # Essential bars: sorted births matched, unequal counts give inf.
    E1 = np.array([[0.0, INF], [3.0, INF], [0.0, 1.0]])
    E2 = np.array([[2.5, INF], [0.5, INF]])
    assert fasttda.bottleneck(E1, E2) == 0.5
    assert fasttda.wasserstein(E1, E2) == pytest.approx(0.5 + 0.5 + 0.5)
    assert fasttda.bottleneck(E1, E2[:1]) == INF
    assert fasttda.wasserstein(E1, E2[:1], matching=True) == (INF, None)
    assert fasttda.bottleneck([[-INF, 1.0]], [[-INF, 3.0]]) == 2.0
    assert fasttda.bottleneck([[-INF, INF]], [[-INF, INF]]) == 0.0
    assert fasttda.bottleneck([[-INF, INF]], [[0.0, INF]]) == INF
    # dtypes are coerced
    assert fasttda.bottleneck(np.array([[0, 2]], dtype=np.int32), np.array([[0, 2]], dtype=np.float32)) == 0.0
    assert fasttda.wasserstein([[0, 1]], [[0, 1]], p=2) == 0.0


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (np.zeros((3, 3)), ValueError, "m, 2"),
        (np.zeros(3), ValueError, "m, 2"),
        ([[0.0, np.nan]], ValueError, "NaN"),
        ([[1.0, 0.5]], ValueError, "die before"),
        ([[np.inf, np.inf]], ValueError, r"\+inf"),
        ([[-np.inf, -np.inf]], ValueError, "-inf"),
        (np.array([["a", "b"]]), TypeError, "real numbers"),
        ([[-1e308, 1e308]], ValueError, "overflow"),
    ],
)
def test_invalid_diagrams(bad, error, match):
    with pytest.raises(error, match=match):
        fasttda.bottleneck(bad, [[0, 1]])
    with pytest.raises(error, match=match):
        fasttda.wasserstein([[0, 1]], bad)
    with pytest.raises(error, match=match):
        fasttda.diagram_distances([[[0, 1]], bad])


def test_invalid_parameters():
    A = [[0, 1]]
    with pytest.raises(ValueError, match="p"):
        fasttda.wasserstein(A, A, p=0.5)
    with pytest.raises(ValueError, match="p"):
        fasttda.wasserstein(A, A, p=np.inf)
    with pytest.raises(ValueError, match="internal_p"):
        fasttda.wasserstein(A, A, internal_p=0)
    with pytest.raises(ValueError, match="delta"):
        fasttda.wasserstein(A, A, delta=-1)
    with pytest.raises(TypeError, match="p"):
        fasttda.wasserstein(A, A, p="2")
    with pytest.raises(TypeError, match="matching"):
        fasttda.bottleneck(A, A, matching=1)
    with pytest.raises(ValueError, match="metric"):
        fasttda.diagram_distances([A, A], metric="l2")
    with pytest.raises(ValueError, match="H3"):
        fasttda.diagram_distances([{"dgms": [np.array(A)]}], dim=3)
    with pytest.raises(ValueError, match="dgms"):
        fasttda.diagram_distances([{"bars": A}])
    with pytest.raises(TypeError, match="list"):
        fasttda.diagram_distances(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="n_threads"):
        fasttda.diagram_distances([A, A], n_threads=0)


# ---------------------------------------------------------------- the matrix


class _WithBarcodes:
    def __init__(self, dgms):
        self.barcodes = {"dgms": dgms}


@pytest.mark.parametrize("metric, p, q", [("bottleneck", 1, INF), ("wasserstein", 1, INF), ("wasserstein", 2, 2)])
def test_matrix_equals_pairwise_calls(metric, p, q):
    rng = np.random.default_rng(3)
    arrays = [h1_like(rng, int(rng.integers(0, 60))) for _ in range(7)]
    arrays[2] = np.vstack([arrays[2], [[0.1, INF]]])
    arrays[4] = np.vstack([arrays[4], [[0.2, INF]]])
    # The three input forms, for the same diagrams.
    items = [
        a if k % 3 == 0 else {"dgms": [np.empty((0, 2)), a]} if k % 3 == 1 else _WithBarcodes([a, a])
        for k, a in enumerate(arrays)
    ]
    D = fasttda.diagram_distances(items, dim=1, metric=metric, p=p, internal_p=q, n_threads=3)
    assert D.shape == (7, 7) and D.dtype == np.float64
    assert (D == D.T).all() and (np.diag(D) == 0).all()
    for i, j in itertools.combinations(range(7), 2):
        one = (
            fasttda.bottleneck(arrays[i], arrays[j])
            if metric == "bottleneck"
            else fasttda.wasserstein(arrays[i], arrays[j], p=p, internal_p=q)
        )
        assert D[i, j] == one  # the same computation, bit for bit
    assert np.isinf(D[2, 0]) and D[2, 4] < INF
    for threads in (1, 2, 5):
        assert np.array_equal(fasttda.diagram_distances(items, metric=metric, p=p, internal_p=q, n_threads=threads), D)


def test_matrix_small_inputs():
    assert fasttda.diagram_distances([]).shape == (0, 0)
    assert fasttda.diagram_distances([[[0, 1]]]).tolist() == [[0.0]]


def test_analysis_barcodes_are_accepted():
    rng = np.random.default_rng(0)
    fakes = [_WithBarcodes([np.empty((0, 2)), h1_like(rng, 20), h1_like(rng, 5)]) for _ in range(3)]
    D2 = fasttda.diagram_distances(fakes, dim=2)
    assert D2[0, 1] == fasttda.bottleneck(fakes[0].barcodes["dgms"][2], fakes[1].barcodes["dgms"][2])


def test_interrupt_stops_the_matrix():
    rng = np.random.default_rng(1)
    dgms = [h1_like(rng, 3000, long=50) for _ in range(400)]
    assert_interrupted(lambda: fasttda.diagram_distances(dgms, metric="wasserstein", n_threads=2))
