"""Mapper engine: cover, clusters and nerve against brute force and scipy; shapes it must recover."""

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial.distance import pdist, squareform

import fasttda
from conftest import assert_interrupted
from fasttda.mapper import MapperGraph, euclidean_mst, principal_components

pytestmark = pytest.mark.kernels  # the sanitizer build reruns these


def noisy_circle(n=1000, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(t), np.sin(t)] + rng.normal(0, noise, (n, 2))


def two_blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    return np.r_[rng.normal(0, 0.1, (n, 3)), rng.normal(3, 0.1, (n, 3))]


@st.composite
def clouds(draw, min_n=1, max_n=60):
    """Small clouds: uniform, integer grids (ties and duplicates) or tight clusters, float64."""
    n = draw(st.integers(min_n, max_n))
    d = draw(st.sampled_from([1, 2, 3, 4, 8, 9]))  # 2, 3, 8, 9 have compiled-in dimensions
    kind = draw(st.sampled_from(["uniform", "grid", "clusters"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "uniform":
        return rng.uniform(-1, 1, (n, d))
    if kind == "grid":
        return rng.integers(0, 3, (n, d)).astype(float)
    centres = rng.normal(0, 5, (3, d))
    return centres[rng.integers(0, 3, n)] + rng.normal(0, 0.05, (n, d))


@st.composite
def lenses(draw, n):
    d = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["uniform", "grid", "constant"]))
    if kind == "uniform":
        return rng.uniform(-2, 2, (n, d))
    if kind == "grid":
        return rng.integers(0, 4, (n, d)).astype(float)  # values on interval ends
    return np.full((n, d), 1.5)


def in_cube(lens, g, v):
    """Points whose lens lies in node v's closed cube (first/last intervals open-ended)."""
    inside = np.ones(len(lens), bool)
    for c, j in enumerate(g.cube[v]):
        lo, hi = g.cover["lower"][c], g.cover["upper"][c]
        low = -np.inf if j == 0 else lo[j]
        high = np.inf if j == len(hi) - 1 else hi[j]
        inside &= (lens[:, c] >= low) & (lens[:, c] <= high)
    return set(np.flatnonzero(inside).tolist())


# --- shapes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lens, n_intervals", [("pca1", 10), ("pca1", 5), ("pca2", 3)])
def test_noisy_circle_has_one_loop(lens, n_intervals):
    g = fasttda.mapper(noisy_circle(), lens, n_intervals=n_intervals, overlap=0.3)
    assert len(g.connected_components()) == 1
    assert len(g.cycles()) == 1
    assert "1 component" in repr(g) and "1 independent cycle," in repr(g)


def test_betti1_fills_the_cliques_of_a_fine_2d_cover():
    g = fasttda.mapper(noisy_circle(2000, noise=0.03), "pca2", n_intervals=8, overlap=0.3, triangles=True)
    assert len(g.cycles()) > 1  # corner cliques add graph cycles ...
    assert g.betti1() == 1  # ... that the triangles fill
    assert "betti1=1" in repr(g)


@pytest.mark.parametrize("lens", ["pca1", "pca2", "codensity"])
def test_two_blobs_give_two_components(lens):
    X = two_blobs()
    g = fasttda.mapper(X, lens, n_intervals=4)
    comps = g.connected_components()
    assert len(comps) == 2
    points = [set(np.concatenate([g.nodes[v] for v in c]).tolist()) for c in comps]
    assert sorted(map(min, points)) == [0, 300] and all(len(p) == 300 for p in points)


# --- cover ----------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(clouds(), st.data())
def test_cover_is_complete_and_exact(X, data):
    lens = data.draw(lenses(len(X)))
    n_intervals = data.draw(st.integers(1, 6))
    overlap = data.draw(st.floats(0, 0.9))
    cover = data.draw(st.sampled_from(["uniform", "balanced"]))
    # height inf: one cluster per preimage, so nodes are exactly the non-empty cubes
    g = fasttda.mapper(
        X, lens, n_intervals=n_intervals, overlap=overlap, cover=cover, cluster_params={"height": np.inf}
    )
    covered = set(np.concatenate(g.nodes).tolist())
    assert covered == set(range(len(X)))
    assert len({tuple(c) for c in g.cube.tolist()}) == g.n_nodes
    for v in range(g.n_nodes):
        assert set(g.nodes[v].tolist()) == in_cube(lens, g, v)
    # with the default clustering the cover is still complete
    g = fasttda.mapper(X, lens, n_intervals=n_intervals, overlap=overlap, cover=cover)
    assert set(np.concatenate(g.nodes).tolist()) == set(range(len(X)))


@settings(max_examples=60, deadline=None)
@given(clouds(max_n=60), st.data())
def test_cover_with_far_more_cubes_than_points_is_complete_and_exact(X, data):
    """Over 4n + 1024 cubes: the (cube, point) pairs are sorted instead of counted."""
    d = data.draw(st.integers(2, 3))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    lens = rng.uniform(-2, 2, (len(X), d)) if data.draw(st.booleans()) else rng.integers(0, 4, (len(X), d)) * 1.0
    n_intervals = data.draw(st.integers(40, 90)) if d == 2 else 12
    g = fasttda.mapper(
        X, lens, n_intervals=n_intervals, overlap=data.draw(st.floats(0, 0.9)), cluster_params={"height": np.inf}
    )
    assert set(np.concatenate(g.nodes).tolist()) == set(range(len(X)))
    cubes = [tuple(c) for c in g.cube.tolist()]
    assert cubes == sorted(set(cubes))  # one node per non-empty cube, in cube order
    for v in range(g.n_nodes):
        assert set(g.nodes[v].tolist()) == in_cube(lens, g, v)


@pytest.mark.parametrize("lens", ["pca2", "grid3"])
def test_cover_counted_in_parts_is_exact_for_any_thread_count(lens):
    """20,000 points: the cubes' points are counted and placed in parts, one per thread."""
    X = fasttda.datasets.filter_like(20_000, seed=2)
    L = principal_components(X, 2) if lens == "pca2" else np.random.default_rng(0).integers(0, 6, (len(X), 3)) * 1.0
    graphs = [
        fasttda.mapper(X, L, n_intervals=5, overlap=0.4, cluster_params={"height": np.inf}, n_threads=t)
        for t in (1, 2, 3)
    ]
    for g in graphs[1:]:
        assert len(g.nodes) == len(graphs[0].nodes)
        assert all(np.array_equal(a, b) for a, b in zip(g.nodes, graphs[0].nodes))
    g = graphs[0]
    for v in range(g.n_nodes):
        assert np.array_equal(g.nodes[v], sorted(in_cube(L, g, v)))


def test_boundary_points_belong_to_every_interval_that_contains_them():
    X = np.zeros((5, 1))
    lens = np.arange(5.0)  # [0, 4] in 3 intervals of length 2 overlapping by 1: [0,2] [1,3] [2,4]
    g = fasttda.mapper(X, lens, n_intervals=3, overlap=0.5, cluster_params={"height": np.inf})
    assert g.cover["lower"] == [[0.0, 1.0, 2.0]] and g.cover["upper"] == [[2.0, 3.0, 4.0]]
    assert [v.tolist() for v in g.nodes] == [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    g = fasttda.mapper(
        np.zeros((11, 1)), np.arange(11.0), n_intervals=2, overlap=0.0, cluster_params={"height": np.inf}
    )
    assert [v.tolist() for v in g.nodes] == [list(range(6)), list(range(5, 11))]


def test_uniform_intervals_have_equal_length_and_shared_fraction():
    lens = np.random.default_rng(0).uniform(-3, 7, 500)
    g = fasttda.mapper(np.zeros((500, 1)), lens, n_intervals=7, overlap=0.3, cluster_params={"height": np.inf})
    lo, hi = np.array(g.cover["lower"][0]), np.array(g.cover["upper"][0])
    L = (lens.max() - lens.min()) / (1 + 6 * 0.7)
    np.testing.assert_allclose(hi - lo, L)
    np.testing.assert_allclose(hi[:-1] - lo[1:], 0.3 * L)
    assert lo[0] == lens.min() and hi[-1] == lens.max()


def test_constant_lens_gives_one_cube_and_balanced_cover_balances():
    X = np.random.default_rng(1).normal(size=(200, 2))
    g = fasttda.mapper(X, np.ones(200), n_intervals=5, cluster_params={"height": np.inf})
    assert g.n_nodes == 1 and len(g.nodes[0]) == 200
    lens = np.random.default_rng(2).exponential(size=1000)  # skewed: uniform cubes would be lopsided
    g = fasttda.mapper(
        np.zeros((1000, 1)), lens, n_intervals=5, overlap=0.2, cover="balanced", cluster_params={"height": np.inf}
    )
    assert np.all(np.abs(g.size - 1000 * 1.2 / 5) <= 1000 * 0.2 / 5 + 2)


# --- clusters -------------------------------------------------------------------------------


def partition(labels):
    groups = {}
    for i, lab in enumerate(labels):
        groups.setdefault(lab, []).append(i)
    return sorted(groups.values())


@settings(max_examples=80, deadline=None)
@given(clouds(min_n=2), st.floats(0.0, 2.0), st.sampled_from([4096, 0]))
def test_single_linkage_equals_scipy(X, h, prim_max):
    g = fasttda.mapper(X, np.zeros(len(X)), n_intervals=1, cluster_params={"height": h, "prim_max": prim_max})
    ref = fcluster(linkage(pdist(X), "single"), t=h, criterion="distance")
    assert sorted(v.tolist() for v in g.nodes) == partition(ref)
    assert [v[0] for v in g.nodes] == sorted(v[0] for v in g.nodes)  # ordered by smallest member


@settings(max_examples=80, deadline=None)
@given(
    clouds(min_n=2, max_n=80),
    st.sampled_from([0.0, 1.0, np.sqrt(2.0), np.sqrt(3.0), 2.0, 0.1]),
    st.sampled_from([np.float64, np.float32]),
)
def test_single_linkage_ties_at_the_height_equal_scipy(X, h, dtype):
    """Grid clouds put pair distances exactly on the height (and duplicates at 0): merged, as scipy merges."""
    if not np.array_equal(X, np.round(X)):  # float32 sums of non-integers may round across h: grids only
        dtype = np.float64
    X = X.astype(dtype)
    g = fasttda.mapper(X, np.zeros(len(X)), n_intervals=1, cluster_params={"height": h})
    ref = fcluster(linkage(pdist(X.astype(np.float64)), "single"), t=h, criterion="distance")
    assert sorted(v.tolist() for v in g.nodes) == partition(ref)


@pytest.mark.parametrize("h", [0.05, 0.2, 0.5])
def test_single_linkage_at_a_height_equals_scipy_on_filter_like_preimages(h):
    X = fasttda.datasets.filter_like(3000, seed=5, dtype=np.float64)
    g = fasttda.mapper(X, "pca2", n_intervals=2, overlap=0.2, cluster_params={"height": h})
    L = principal_components(X, 2)
    by_cube = {}
    for v in range(g.n_nodes):
        by_cube.setdefault(tuple(g.cube[v]), []).append(v)
    assert len(by_cube) == 4
    for nodes in by_cube.values():
        members = np.array(sorted(in_cube(L, g, nodes[0])))
        ref = partition(fcluster(linkage(pdist(X[members]), "single"), t=h, criterion="distance"))
        assert sorted(g.nodes[v].tolist() for v in nodes) == sorted(members[c].tolist() for c in ref)


def components_at_height(X, h):
    """Brute force: points joined when their squared distance, summed over the coordinates in order in
    X's own precision, has a root <= h; the connected components of that graph."""
    s = np.zeros((len(X), len(X)), X.dtype)
    for j in range(X.shape[1]):
        t = X[:, None, j] - X[None, :, j]
        s = s + t * t
    _, labels = connected_components(csr_matrix(np.sqrt(s.astype(np.float64)) <= h), directed=False)
    return partition(labels)


@st.composite
def sparse_clouds(draw):
    """Clouds where most points reach nothing at the height, or tie with it, or underflow: the cases the
    windows along one coordinate must get right, float32 and float64, up to 400 points."""
    n = draw(st.integers(2, 400))
    d = draw(st.sampled_from([2, 8, 3, 5]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    kind = draw(st.sampled_from(["isolated", "grid", "duplicates", "mixed", "wide", "underflow"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "isolated":  # few pairs within the heights drawn below
        X, h = rng.uniform(-1, 1, (n, d)), draw(st.sampled_from([0.0, 0.02, 0.1, 0.3]))
    elif kind == "grid":  # pair distances exactly on the height, duplicates at 0
        X, h = rng.integers(0, 5, (n, d)), draw(st.sampled_from([0.0, 1.0, np.sqrt(2.0), 2.0, 0.5]))
    elif kind == "duplicates":
        X = rng.uniform(-1, 1, (max(1, n // 10), d))[rng.integers(0, max(1, n // 10), n)]
        X[: n // 3] = rng.uniform(-1, 1, (n // 3, d))
        h = draw(st.sampled_from([0.0, 0.05, 0.4]))
    elif kind == "mixed":  # tight clusters in a sparse background
        X = np.r_[
            rng.normal(0, 0.03, (n // 2, d)) + rng.integers(-3, 4, (n // 2, d)), rng.uniform(-4, 4, (n - n // 2, d))
        ]
        h = draw(st.floats(0.0, 1.0))
    elif kind == "wide":  # one coordinate spans far more cells than there are points
        X = rng.uniform(-1, 1, (n, d)) * np.r_[1e6, np.ones(d - 1)]
        h = draw(st.sampled_from([0.0, 1e-3, 0.5, 3e4]))
    else:  # differences whose squares underflow to zero (or to subnormals) in float32
        X = 1.0 + rng.integers(0, 3, (n, d)) * draw(st.sampled_from([1e-25, 1e-22, 1e-19]))
        X[: n // 2] = rng.integers(0, 3, (n // 2, d)) * 1e-23
        h = draw(st.sampled_from([0.0, 1e-30, 1e-23, 1e-20]))
    return X.astype(dtype), float(h)


@settings(max_examples=150, deadline=None)
@given(sparse_clouds())
def test_single_linkage_at_a_height_equals_brute_force_on_sparse_clouds(cloud):
    X, h = cloud
    g = fasttda.mapper(X, np.zeros(len(X)), n_intervals=1, cluster_params={"height": h})
    assert sorted(v.tolist() for v in g.nodes) == components_at_height(X, h)


@settings(max_examples=80, deadline=None)
@given(clouds(min_n=2, max_n=80), st.sampled_from(["prim", "boruvka", "auto"]))
def test_mst_weight_equals_scipy(X, method):
    edges, length = euclidean_mst(X, method=method)
    D = squareform(pdist(X))
    np.testing.assert_array_equal(length, D[edges[:, 0], edges[:, 1]])
    assert np.all(np.diff(length) >= 0)
    D[(D == 0) & ~np.eye(len(X), dtype=bool)] = 1e-6  # scipy reads a (near) zero as a missing edge
    assert len(edges) == len(X) - 1
    assert length.sum() == pytest.approx(minimum_spanning_tree(D).sum(), rel=1e-12, abs=1e-4)
    parent = list(range(len(X)))  # the edges connect everything: a spanning tree

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    assert len({find(i) for i in range(len(X))}) == 1


def test_boruvka_equals_prim_on_filter_like_data():
    X = fasttda.datasets.filter_like(6000, seed=3, dtype=np.float64)
    _, a = euclidean_mst(X, method="prim")
    _, b = euclidean_mst(X, method="boruvka")
    np.testing.assert_allclose(np.sort(a), np.sort(b), rtol=1e-12)


def gap_cut_reference(X, bins):
    """The first-gap rule spelled out on scipy's single-linkage heights."""
    if len(X) < 2:
        return [[0]]
    d = pdist(X)
    Z = linkage(d, "single")
    w = Z[:, 2]
    lo, hi = w.min(), max(w.max(), d.max())
    b = np.minimum(bins - 1, ((w - lo) / (hi - lo) * bins).astype(int)) if hi > lo else np.zeros(len(w), int)
    empty = np.flatnonzero(np.bincount(b, minlength=bins) == 0)
    if not len(empty):
        return [list(range(len(X)))]
    return partition(fcluster(Z, t=w[b < empty[0]].max(), criterion="distance"))


@settings(max_examples=80, deadline=None)
@given(clouds(min_n=1), st.integers(1, 20), st.sampled_from([4096, 0, None]))
def test_gap_heuristic_equals_its_definition(X, bins, prim_max):
    g = fasttda.mapper(X, np.zeros(len(X)), n_intervals=1, cluster_params={"bins": bins, "prim_max": prim_max})
    assert sorted(v.tolist() for v in g.nodes) == gap_cut_reference(X, bins)


@st.composite
def gap_clouds(draw):
    """Clouds on which the tree-free first-gap cut could part from the tree's: 1 to 3 points,
    repeated points, integer grids (ties among the merge heights and at the bin edges), groups with
    gaps between them, a coordinate stretched by 10^6, differences whose squares underflow in float32,
    points on a sphere, and filter-like points; float32 or float64."""
    n = draw(st.integers(1, 300))
    d = draw(st.sampled_from([1, 2, 3, 5, 8]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    kind = draw(st.sampled_from(["tiny", "repeats", "grid", "groups", "stretched", "underflow", "sphere", "filters"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "tiny":
        X = rng.integers(0, 2, (draw(st.integers(1, 3)), d)).astype(float)
    elif kind == "repeats":
        X = rng.normal(0, 1, (max(1, n // 4), d))[rng.integers(0, max(1, n // 4), n)]
    elif kind == "grid":
        X = rng.integers(0, draw(st.integers(2, 6)), (n, d)).astype(float)
    elif kind == "groups":
        X = rng.normal(0, 4, (4, d))[rng.integers(0, 4, n)] + rng.normal(0, 0.2, (n, d))
    elif kind == "stretched":
        X = rng.uniform(-1, 1, (n, d))
        X[:, 0] *= 1e6
    elif kind == "underflow":
        X = rng.uniform(-1, 1, (n, d)) * 1e-22
    elif kind == "sphere":  # every pair a candidate for the diameter
        X = rng.normal(0, 1, (n, d))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    else:
        X = fasttda.datasets.filter_like(max(n, 2), seed=int(rng.integers(0, 1000)), dtype=np.float64)[:n, :d]
    return np.ascontiguousarray(X, dtype=dtype)


@settings(max_examples=150, deadline=None)
@given(gap_clouds(), st.integers(1, 20))
def test_tree_free_gap_cut_equals_the_cut_of_prims_tree(X, bins):
    a, b = (
        fasttda.mapper(X, np.zeros(len(X)), n_intervals=1, cluster_params={"bins": bins, "prim_max": p})
        for p in (None, 10**9)
    )
    assert [v.tolist() for v in a.nodes] == [v.tolist() for v in b.nodes]


def test_tree_free_gap_cut_equals_prims_on_filter_like_preimages():
    X = fasttda.datasets.filter_like(20_000, seed=5)
    a, b = (fasttda.mapper(X, "pca2", n_intervals=4, cluster_params={"prim_max": p}) for p in (None, 10**9))
    assert a.n_nodes == b.n_nodes and all(np.array_equal(u, v) for u, v in zip(a.nodes, b.nodes))


def test_gap_cut_is_the_same_with_prim_and_boruvka():
    X = fasttda.datasets.filter_like(20_000, seed=4, dtype=np.float64)
    a, b = (fasttda.mapper(X, "pca2", n_intervals=3, cluster_params={"prim_max": p}) for p in (10**9, 0))
    assert a.n_nodes == b.n_nodes and all(np.array_equal(u, v) for u, v in zip(a.nodes, b.nodes))
    np.testing.assert_array_equal(a.edges, b.edges)


def test_gap_heuristic_splits_separated_groups_only():
    X = two_blobs()
    g = fasttda.mapper(X, np.zeros(len(X)), n_intervals=1)
    assert sorted(map(len, g.nodes)) == [300, 300]
    g = fasttda.mapper(X[:300], np.zeros(300), n_intervals=1, cluster_params={"bins": 10})
    assert g.n_nodes == 1


@settings(max_examples=50, deadline=None)
@given(clouds(min_n=1), st.floats(0.05, 1.5), st.integers(1, 6))
def test_dbscan_core_clusters_equal_sklearn(X, eps, min_samples):
    DBSCAN = pytest.importorskip("sklearn.cluster").DBSCAN

    g = fasttda.mapper(
        X, np.zeros(len(X)), n_intervals=1, clusterer="dbscan", cluster_params={"eps": eps, "min_samples": min_samples}
    )
    ref = DBSCAN(eps=eps, min_samples=min_samples).fit(X)
    core = set(ref.core_sample_indices_.tolist())
    ours = sorted(sorted(set(v.tolist()) & core) for v in g.nodes)
    by_label = {}
    for i in sorted(core):
        by_label.setdefault(ref.labels_[i], []).append(i)
    assert [c for c in ours if c] == sorted(by_label.values())
    clustered = set(np.concatenate(g.nodes).tolist()) if g.nodes else set()
    assert clustered == set(np.flatnonzero(ref.labels_ >= 0).tolist())


def test_min_points_drops_small_clusters():
    X = np.r_[two_blobs(), [[10.0, 10.0, 10.0]]]
    g = fasttda.mapper(X, np.zeros(len(X)), n_intervals=1, min_points=2)
    assert sorted(map(len, g.nodes)) == [300, 300]


@settings(max_examples=80, deadline=None)
@given(clouds(min_n=2), st.data())
def test_nodes_are_each_cubes_kept_clusters_by_smallest_member(X, data):
    """Clusters below min_points dropped, the rest in order of their smallest member, cube by cube."""
    lens = data.draw(lenses(len(X)))
    h = data.draw(st.sampled_from([0.0, 0.1, 0.5, 1.0, 3.0]))
    min_points = data.draw(st.integers(1, 4))
    g = fasttda.mapper(
        X,
        lens,
        n_intervals=data.draw(st.integers(1, 3)),
        overlap=data.draw(st.floats(0, 0.6)),
        cluster_params={"height": h},
        min_points=min_points,
    )
    expected, cubes = [], {}
    ends = {"lower": g.cover["lower"], "upper": g.cover["upper"]}
    for cube in itertools.product(*(range(len(lo)) for lo in ends["lower"])):
        probe = MapperGraph([], cube=np.array([cube]), cover=ends, n_points=len(X))
        members = np.array(sorted(in_cube(lens, probe, 0)), dtype=np.int64)
        if not len(members):
            continue
        kept = [members[c] for c in components_at_height(X[members], h) if len(c) >= min_points]
        for c in sorted(kept, key=lambda c: c[0]):
            expected.append(c.tolist())
            cubes[len(expected) - 1] = cube
    assert [v.tolist() for v in g.nodes] == expected
    assert [tuple(c) for c in g.cube.tolist()] == [cubes[v] for v in range(len(expected))]


# --- nerve ----------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(clouds(min_n=2), st.data())
def test_nerve_equals_brute_force_intersections(X, data):
    lens = data.draw(lenses(len(X)))
    g = fasttda.mapper(
        X,
        lens,
        n_intervals=data.draw(st.integers(1, 4)),
        overlap=data.draw(st.floats(0, 0.7)),
        cluster_params={"height": data.draw(st.floats(0, 1))},
        triangles=True,
    )
    sets = [set(v.tolist()) for v in g.nodes]
    pairs = [(a, b, len(sets[a] & sets[b])) for a, b in itertools.combinations(range(len(sets)), 2)]
    expected = [(a, b, w) for a, b, w in pairs if w]
    assert [(a, b, w) for (a, b), w in zip(g.edges.tolist(), g.edge_weights.tolist())] == expected
    tri = [t for t in itertools.combinations(range(len(sets)), 3) if sets[t[0]] & sets[t[1]] & sets[t[2]]]
    assert [tuple(t) for t in g.triangles.tolist()] == tri


# --- the graph object -----------------------------------------------------------------------


def test_same_graph_for_any_thread_count_and_call():
    X = fasttda.datasets.filter_like(20_000, seed=1)
    graphs = [fasttda.mapper(X, "pca2", n_threads=t, triangles=True) for t in (1, 2, 3, 2)]
    for g in graphs[1:]:
        assert len(g.nodes) == len(graphs[0].nodes)
        assert all(np.array_equal(a, b) for a, b in zip(g.nodes, graphs[0].nodes))
        np.testing.assert_array_equal(g.edges, graphs[0].edges)
        np.testing.assert_array_equal(g.edge_weights, graphs[0].edge_weights)
        np.testing.assert_array_equal(g.triangles, graphs[0].triangles)


def test_node_attributes_json_round_trip_and_networkx():
    X = noisy_circle(400)
    density = fasttda.codensity(X, 10)
    g = fasttda.mapper(X, "pca2", n_intervals=3, values={"density": density, "filter": X}, triangles=True)
    for v, members in enumerate(g.nodes):
        assert g.size[v] == len(members)
        np.testing.assert_allclose(g.node_values["filter"][v], X[members].mean(axis=0))
        assert g.node_values["density"][v] == pytest.approx(density[members].mean())
    np.testing.assert_allclose(g.lens_mean, g.node_mean(principal_components(X, 2)))

    back = MapperGraph.from_dict(json.loads(json.dumps(g.to_dict())))
    assert repr(back) == repr(g)
    assert all(np.array_equal(a, b) for a, b in zip(back.nodes, g.nodes))
    np.testing.assert_array_equal(back.edges, g.edges)
    np.testing.assert_array_equal(back.edge_weights, g.edge_weights)
    np.testing.assert_array_equal(back.triangles, g.triangles)
    np.testing.assert_allclose(back.lens_mean, g.lens_mean)
    np.testing.assert_allclose(back.node_values["filter"], g.node_values["filter"])
    assert back.cover == g.cover and back.params == g.params

    nx = pytest.importorskip("networkx")
    G = g.to_networkx()
    assert G.number_of_nodes() == g.n_nodes and G.number_of_edges() == g.n_edges
    for (a, b), w in zip(g.edges.tolist(), g.edge_weights.tolist()):
        assert G.edges[a, b]["weight"] == w
    assert G.nodes[0]["members"] == g.nodes[0].tolist() and "density" in G.nodes[0]
    assert len(nx.cycle_basis(G)) == len(g.cycles())


def test_cycle_basis_is_made_of_closed_walks():
    g = fasttda.mapper(noisy_circle(), "pca2", n_intervals=6)
    adj = {tuple(e) for e in g.edges.tolist()}
    cycles = g.cycles()
    assert len(cycles) == g.n_edges - g.n_nodes + len(g.connected_components())
    for c in cycles:
        assert len(set(c)) == len(c) >= 3
        for a, b in zip(c, c[1:] + c[:1]):
            assert (min(a, b), max(a, b)) in adj


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, lens, match",
    [
        ({}, np.zeros(9), "lens has 9 values"),
        ({}, np.r_[np.zeros(9), np.nan], "NaN"),
        ({"n_intervals": 0}, None, "n_intervals must be at least 1"),
        ({"overlap": 1.0}, None, r"overlap must lie in \[0, 1\)"),
        ({"overlap": -0.1}, None, r"overlap must lie in \[0, 1\)"),
        ({"cover": "quantile"}, None, "unknown cover"),
        ({"clusterer": "kmeans"}, None, "unknown clusterer"),
        ({}, np.zeros((10, 4)), "d = 1, 2 or 3"),
        ({}, "spectral", "unknown lens 'spectral'.*'pca1'"),
        ({}, "circle_angle", "needs 3x3 filters in DCT coordinates"),
        ({"n_intervals": [3, 3]}, None, "one value per lens coordinate"),
        ({"cluster_params": {"epsilon": 1}}, None, "unknown cluster_params"),
        ({"min_points": 0}, None, "min_points must be at least 1"),
        ({"n_intervals": 2**30}, None, "n_intervals is too large"),
        ({"clusterer": "dbscan", "cluster_params": {"eps": np.inf}}, None, "eps must be a finite distance"),
    ],
)
def test_bad_input_is_one_clear_value_error(kwargs, lens, match):
    X = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match=match):
        fasttda.mapper(X, np.zeros(10) if lens is None else lens, **kwargs)


def test_dense_core_of_natural_patches_maps_to_the_primary_circle():
    # X(300, 30%) of the shipped patches (test_neighbours checks it against the published core)
    X = fasttda.datasets.natural_patches()
    core = X[fasttda.dense_core(X, 300, 0.3)]
    g = fasttda.mapper(core, "pca2", n_intervals=6, triangles=True)
    assert len(g.connected_components()) == 1 and g.betti1() == 1


def test_interrupt_stops_one_huge_preimage():
    X = fasttda.datasets.filter_like(60_000, seed=2)
    # One cube, Prim on 60,000 points: many seconds.
    assert_interrupted(
        lambda: fasttda.mapper(X, np.zeros(len(X)), n_intervals=1, cluster_params={"prim_max": 10**9}, n_threads=1)
    )


def test_tiny_inputs():
    g = fasttda.mapper(np.zeros((1, 2)), np.zeros(1), triangles=True)
    assert [v.tolist() for v in g.nodes] == [[0]] and g.n_edges == 0 and len(g.triangles) == 0
    g = fasttda.mapper(np.zeros((5, 2)), np.arange(5.0), n_intervals=2, overlap=0.0)  # duplicate points
    assert g.n_nodes == 2 and g.edges.tolist() == [[0, 1]] and g.edge_weights.tolist() == [1]


def test_circle_angle_lens_keeps_the_primary_circle_closed():
    rng = np.random.default_rng(5)
    theta = rng.uniform(0, 2 * np.pi, 3000)
    X = np.zeros((3000, 8))
    X[:, 0], X[:, 1] = np.cos(theta), np.sin(theta)
    X += rng.normal(0, 0.05, X.shape)
    g = fasttda.mapper(X, "circle_angle", n_intervals=8, triangles=True)
    assert g.betti1() == 1 and len(g.connected_components()) == 1


def test_options_are_passed_by_name():
    from fasttda import _core

    p = _core.MapperParams(n_intervals=[3], overlap=[0.2], clusterer="dbscan", eps=0.5, height=None)
    assert (p.n_intervals, p.overlap, p.clusterer, p.eps, p.height, p.prim_max) == (
        [3],
        [0.2],
        "dbscan",
        0.5,
        None,
        None,
    )
    with pytest.raises(TypeError, match="no field 'n_interval'"):
        _core.MapperParams(n_interval=[3])
    with pytest.raises(ValueError, match="unknown clusterer"):
        _core.MapperParams(clusterer="kmeans")
