"""Neighbourhood searches on a Dask cluster equal the local call bit for bit; the shares they are made of
(codensity_part, knn_part) put together equal scipy's cKDTree."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial import cKDTree

import fasttda
from fasttda import _core

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    # Real worker processes, as on a cluster: the points and the function travel by pickle.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, worker_dashboard_address=None
    ) as c:
        yield c


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as c:
        yield c


def clouds():
    rng = np.random.default_rng(3)
    grid = rng.integers(0, 3, size=(600, 3)).astype(np.float64)  # ties and duplicates
    return [fasttda.datasets.filter_like(2000, seed=1), grid, rng.standard_normal((700, 5))]


@pytest.mark.cluster
def test_cluster_equals_local(client):
    for X in clouds():
        for k in (1, 10):
            np.testing.assert_array_equal(fasttda.codensity(X, k, client=client), fasttda.codensity(X, k))
            idx, dist = fasttda.knn(X, k, client=client)
            want_idx, want_dist = fasttda.knn(X, k)
            np.testing.assert_array_equal(idx, want_idx)
            np.testing.assert_array_equal(dist, want_dist)
            assert dist.dtype == want_dist.dtype
            core, rho = fasttda.dense_core(X, k, 0.3, client=client, return_codensity=True)
            want_core, want_rho = fasttda.dense_core(X, k, 0.3, return_codensity=True)
            np.testing.assert_array_equal(core, want_core)
            np.testing.assert_array_equal(rho, want_rho)


@pytest.mark.cluster
def test_scheduler_address_and_zarr_points(cluster, tmp_path):
    zarr = pytest.importorskip("zarr")
    X = fasttda.datasets.filter_like(1500, seed=2)
    path = tmp_path / "points.zarr"
    z = zarr.create_array(str(path), shape=X.shape, chunks=(500, 8), dtype=X.dtype)
    z[...] = X
    want = fasttda.codensity(X, 7)
    address = cluster.scheduler_address
    np.testing.assert_array_equal(fasttda.codensity(X, 7, scheduler=address), want)
    np.testing.assert_array_equal(fasttda.codensity(str(path), 7, scheduler=address), want)  # read by the workers
    np.testing.assert_array_equal(fasttda.codensity(z, 7, scheduler=address), want)
    np.testing.assert_array_equal(fasttda.dense_core(path, 7, 0.25, scheduler=address), fasttda.dense_core(X, 7, 0.25))


@pytest.mark.cluster
def test_analyze_on_a_cluster_equals_local(client):
    X = fasttda.datasets.filter_like(3000, seed=4)
    here = fasttda.analyze(X, k=30, p=0.2, n_null=0, n_landmarks=60)
    there = fasttda.analyze(X, k=30, p=0.2, n_null=0, n_landmarks=60, client=client)
    np.testing.assert_array_equal(there.core, here.core)
    assert there.verdict == here.verdict


@pytest.mark.cluster
def test_cluster_arguments_are_checked(client):
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="either client= or scheduler="):
        fasttda.codensity(X, 2, client=client, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(TypeError, match="Client"):
        fasttda.codensity(X, 2, client=object())
    with pytest.raises(TypeError, match="address"):
        fasttda.knn(X, 2, scheduler=3)
    with pytest.raises(ValueError, match="k must be smaller"):
        fasttda.codensity(X, 10, client=client)
    with pytest.raises(ValueError, match="p must be"):
        fasttda.dense_core(X, 2, 1.5, client=client)
    with pytest.raises(ValueError, match="NaN"):
        fasttda.codensity(np.array([[0.0], [np.nan], [1.0]]), 1, client=client)


@pytest.mark.kernels
@settings(max_examples=40, deadline=None)
@given(
    X=arrays(
        np.float64,
        st.tuples(st.integers(3, 80), st.integers(1, 5)),
        elements=st.floats(-10, 10, allow_nan=False, width=32),
    ),
    data=st.data(),
)
def test_parts_put_together_equal_ckdtree(X, data):
    n = len(X)
    k = data.draw(st.integers(1, n - 1))
    parts = data.draw(st.integers(1, n + 2))
    rho = np.full(n, np.nan)
    idx = np.full((n, k), -1)
    seen = np.zeros(n, dtype=int)
    for part in range(parts):
        q, r = _core.codensity_part(X, k, part, parts)
        q2, i, d = _core.knn_part(X, k, part, parts)
        np.testing.assert_array_equal(q, q2)
        np.testing.assert_array_equal(d[:, -1], r)
        rho[q], idx[q] = r, i
        seen[q] += 1
    assert (seen == 1).all()
    ref = cKDTree(X).query(X, k + 1)[0][:, 1:]  # float64: the point itself (distance 0) comes first
    np.testing.assert_allclose(rho, ref[:, -1], rtol=1e-12, atol=1e-300)
    # The indices equal the whole call's (ranked by distance, then index).
    np.testing.assert_array_equal(idx, fasttda.knn(X, k)[0])
    with pytest.raises(ValueError, match="part must be"):
        _core.codensity_part(X, k, parts, parts)
