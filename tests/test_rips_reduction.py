"""Rips on clouds large enough for long column reductions, against ripser.py.

The engine walks each cochain term's coboundary lazily (rips_column.hpp);
small clouds reduce a column in a step or two, so these clouds (60 to 160
points in 2 to 8 dimensions, with and without distance ties) make columns
that add many others, on the dense oracle (no threshold), the sparse one (a
threshold) and the matrix input, in Z/2 and Z/3. Diagrams must equal
ripser.py's, cocycles too (the same column order and arithmetic give the same
representatives), and neither may depend on the thread count.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

import fasttda
from conftest import needs_ripser, theirs

pytestmark = pytest.mark.kernels

TOL = 1e-6
LONG = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def by_bar(dgm, cocycles=None):
    """Bars sorted by (birth, death), with their cocycles in the same order."""
    order = np.lexsort((dgm[:, 1], dgm[:, 0]))
    return dgm[order], ([cocycles[k] for k in order] if cocycles else [])


def assert_same_dgms(ours, ref):
    assert len(ours) == len(ref)
    for dim, (a, b) in enumerate(zip(ours, ref)):
        a, b = by_bar(np.asarray(a))[0], by_bar(np.asarray(b))[0]
        assert a.shape == b.shape, f"H{dim}: {len(a)} bars vs {len(b)}"
        assert np.array_equal(np.isinf(a), np.isinf(b)), f"H{dim}: essential bars differ"
        fin = np.isfinite(a)
        assert np.allclose(a[fin], b[fin], atol=TOL, rtol=TOL), f"H{dim}: bars differ"


@st.composite
def big_clouds(draw, min_n=60, max_n=160, ties=True):
    """Filter-like, uniform, noisy circles in R^d and (with ties) integer grids and duplicates."""
    n = draw(st.integers(min_n, max_n))
    kinds = ["filter", "uniform", "circle"] + (["grid", "duplicates"] if ties else [])
    kind = draw(st.sampled_from(kinds))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if kind == "filter":
        return fasttda.datasets.filter_like(n, seed=seed % 1000).astype(np.float64)
    if kind == "uniform":
        return rng.uniform(-1, 1, (n, draw(st.integers(2, 8))))
    if kind == "circle":
        t = rng.uniform(0, 2 * np.pi, n)
        X = np.zeros((n, draw(st.integers(2, 6))))
        X[:, 0], X[:, 1] = np.cos(t), np.sin(t)
        return X + rng.normal(0, 0.15, X.shape)
    if kind == "grid":
        return rng.integers(0, 4, (n, draw(st.integers(2, 4)))).astype(float)
    base = rng.normal(size=(max(2, n // 3), 4))
    return base[rng.integers(0, len(base), n)]


@needs_ripser
@LONG
@given(X=big_clouds(), coeff=st.sampled_from([2, 3]), thresh=st.sampled_from([np.inf, 1.0, 1.5]))
def test_long_reductions_match_ripser(X, coeff, thresh):
    D = cdist(X, X)
    ref = theirs(D, maxdim=1, coeff=coeff, thresh=thresh, distance_matrix=True)
    ours = fasttda.rips(X, maxdim=1, coeff=coeff, thresh=thresh, n_threads=2)
    assert_same_dgms(ours["dgms"], ref["dgms"])
    matrix = fasttda.rips(D, maxdim=1, coeff=coeff, thresh=thresh, distance_matrix=True, n_threads=3)
    assert_same_dgms(matrix["dgms"], ref["dgms"])


@needs_ripser
@LONG
@given(X=big_clouds(min_n=40, max_n=70), coeff=st.sampled_from([2, 3]), thresh=st.sampled_from([np.inf, 1.2]))
def test_h2_of_long_reductions_matches_ripser(X, coeff, thresh):
    D = cdist(X, X)
    ref = theirs(D, maxdim=2, coeff=coeff, thresh=thresh, distance_matrix=True)
    assert_same_dgms(fasttda.rips(X, maxdim=2, coeff=coeff, thresh=thresh, n_threads=2)["dgms"], ref["dgms"])


@needs_ripser
@LONG
@given(X=big_clouds(ties=False), coeff=st.sampled_from([2, 3]), thresh=st.sampled_from([np.inf, 1.2]))
def test_cocycles_of_long_reductions_match_ripser(X, coeff, thresh):
    D = cdist(X, X)
    ref = theirs(D, maxdim=1, coeff=coeff, thresh=thresh, distance_matrix=True, do_cocycles=True)
    ours = fasttda.rips(X, maxdim=1, coeff=coeff, thresh=thresh, do_cocycles=True)
    assert_same_dgms(ours["dgms"], ref["dgms"])
    ref_dgm, ref_cocycles = by_bar(ref["dgms"][1], ref["cocycles"][1])
    our_dgm, our_cocycles = by_bar(np.asarray(ours["dgms"][1]), ours["cocycles"][1])
    assert len(our_cocycles) == len(ref_cocycles) == len(ref_dgm)
    for a, b in zip(our_cocycles, ref_cocycles):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("coeff", [2, 3])
def test_long_reductions_do_not_depend_on_threads(coeff):
    X = fasttda.datasets.filter_like(20_000, seed=4)
    L = X[fasttda.maxmin(X, 400)]
    for thresh, maxdim in ((np.inf, 1), (0.9, 2)):
        runs = [fasttda.rips(L, maxdim=maxdim, thresh=thresh, coeff=coeff, n_threads=t)["dgms"] for t in (1, 2, 4)]
        for other in runs[1:]:
            for a, b in zip(runs[0], other):
                assert np.array_equal(a, b)
