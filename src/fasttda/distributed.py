"""Neighbourhood searches spread over a Dask cluster.

``codensity``, ``knn`` and ``dense_core`` take ``client=`` (a
``dask.distributed.Client``) or ``scheduler=`` (a scheduler's address) and
come here. Each worker gets the points once (scattered from the client, or
read by the worker itself from a Zarr array on storage it can see), builds the
same kd-tree and searches one share of the queries: a block of consecutive
tree positions, so a worker's queries are neighbours of each other and its
caches hold one region of the cloud. Every point's neighbours are exact
whatever was searched beside it, so the shares put together equal the local
call bit for bit. The dense core is the local rule applied to the distributed
codensity: the ceil(p n) smallest, ties by index.
"""

from __future__ import annotations

import os

import numpy as np

from . import _core
from ._checks import INT64_MAX, as_int, as_points, as_threads

__all__ = ["codensity", "dense_core", "get_client", "knn"]


def get_client(client=None, scheduler=None):
    """(client, owned): the Client to use and whether this call opened it (and must close it).

    Parameters
    ----------
    client : dask.distributed.Client or str, optional
        A connected client, or for convenience a scheduler's address.
    scheduler : str, optional
        A scheduler's address such as ``"tcp://10.0.0.5:8786"``; give one of the two.

    Returns
    -------
    (Client, bool)
        The client, and True when this call opened it (the caller closes it).

    Raises
    ------
    ValueError
        If both are given.
    TypeError
        If ``client`` is neither a Client nor an address.

    Examples
    --------
    >>> client, owned = get_client(scheduler="tcp://127.0.0.1:8786")  # doctest: +SKIP
    """
    if client is not None and scheduler is not None:
        raise ValueError("give either client= or scheduler=, not both")
    address = scheduler if scheduler is not None else client if isinstance(client, str) else None
    try:
        from distributed import Client
    except ImportError as e:  # pragma: no cover - distributed is in the test environment
        raise ImportError("client= and scheduler= need dask.distributed: pip install 'fasttda[distributed]'") from e
    if address is not None:
        if not isinstance(address, str):
            raise TypeError(f"scheduler must be an address string, got {type(address).__name__}")
        return Client(address), True
    if not isinstance(client, Client):
        raise TypeError(f"client must be a dask.distributed.Client or a scheduler address, got {type(client).__name__}")
    return client, False


def _zarr_path(X):
    """The path of a Zarr array given as a path or as a ``zarr.Array`` on a local store; None otherwise."""
    if isinstance(X, (str, os.PathLike)):
        return os.fspath(X)
    root = getattr(getattr(X, "store", None), "root", None)
    if root is not None and type(X).__module__.startswith("zarr"):
        path = getattr(X, "path", "") or ""
        return os.path.join(os.fspath(root), path) if path else os.fspath(root)
    return None


def _open_zarr(path: str) -> np.ndarray:
    import zarr

    return np.asarray(zarr.open_array(path, mode="r")[...])


def _search(points, kind: str, k: int, part: int, parts: int, n_threads):
    """One worker's share: the queries of `part` of `parts`, as (original indices, results...)."""
    X = as_points(_open_zarr(points) if isinstance(points, str) else points)
    if kind == "codensity":
        return _core.codensity_part(X, k, part, parts, n_threads)
    return _core.knn_part(X, k, part, parts, n_threads)


def _shape(X):
    """(X as validated points or a Zarr path, n, d, dtype of the kernel)."""
    path = _zarr_path(X)
    if path is None:
        X = as_points(X)
        return X, X.shape[0], X.shape[1], X.dtype
    import zarr

    try:
        z = zarr.open_array(path, mode="r")
    except Exception as e:
        raise ValueError(f"X is neither an array nor a readable Zarr array: {path}") from e
    if z.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (n_points, n_dims), got shape {z.shape}")
    if z.dtype.kind not in "fiub":
        raise TypeError(f"X must hold real numbers, got dtype {z.dtype}")
    return path, z.shape[0], z.shape[1], np.dtype(np.float32 if z.dtype == np.float32 else np.float64)


def _run(X, kind, k, client, scheduler, n_threads):
    """Scatters the points (or their Zarr path), runs one share per worker and returns (n, dtype, shares)."""
    points, n, _, dtype = _shape(X)
    k = as_int(k, "k", high=INT64_MAX)
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if k >= n:
        raise ValueError(
            f"k must be smaller than the number of points (k={k}, n={n}): a point is not its own neighbour"
        )
    n_threads = as_threads(n_threads)
    client, owned = get_client(client, scheduler)
    try:
        workers = client.scheduler_info().get("workers", {})
        if not workers:
            raise ValueError("the Dask cluster has no workers")
        addresses = sorted(workers)
        parts = len(addresses)
        data = points if isinstance(points, str) else client.scatter(points, broadcast=True, hash=False)
        futures = [
            client.submit(
                _search,
                data,
                kind,
                k,
                part,
                parts,
                n_threads if n_threads is not None else workers[address].get("nthreads"),
                workers=[address],
                allow_other_workers=True,
                pure=False,
            )
            for part, address in enumerate(addresses)
        ]
        return n, dtype, client.gather(futures)
    finally:
        if owned:
            client.close()


def codensity(X, k: int, *, client=None, scheduler=None, n_threads: int | None = None) -> np.ndarray:
    """``fasttda.codensity`` with the queries spread over a Dask cluster's workers (see the module).

    Parameters
    ----------
    X : array_like (n, d) or zarr.Array
        The points; a Zarr array on storage the workers see is read by each worker itself.
    k : int
        Neighbours per point, 1 <= k < n.
    client, scheduler
        As ``get_client``.
    n_threads : int, optional
        Threads per worker (all of the worker's cores by default).

    Returns
    -------
    ndarray (n,)
        The distance to each point's k-th nearest neighbour, equal bit for bit to the local call.

    Raises
    ------
    ValueError, TypeError
        For bad points, k or cluster arguments, as the local call.

    Examples
    --------
    >>> from distributed import Client, LocalCluster  # doctest: +SKIP
    >>> with Client(LocalCluster(n_workers=2)) as client:  # doctest: +SKIP
    ...     rho = fasttda.codensity(X, 100, client=client)
    """
    n, dtype, shares = _run(X, "codensity", k, client, scheduler, n_threads)
    out = np.empty(n, dtype=dtype)
    for queries, rho in shares:
        out[queries] = rho
    return out


def knn(X, k: int, *, client=None, scheduler=None, n_threads: int | None = None):
    """``fasttda.knn`` with the queries spread over a Dask cluster's workers (see the module).

    Parameters
    ----------
    X, k, client, scheduler, n_threads
        As ``codensity``.

    Returns
    -------
    indices : ndarray (n, k) int64
    distances : ndarray (n, k)
        Each point's k nearest neighbours, nearest first, equal to the local call.

    Raises
    ------
    ValueError, TypeError
        As ``codensity``.

    Examples
    --------
    >>> idx, dist = fasttda.knn(X, 10, scheduler="tcp://127.0.0.1:8786")  # doctest: +SKIP
    """
    n, dtype, shares = _run(X, "knn", k, client, scheduler, n_threads)
    k = int(k)
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k), dtype=dtype)
    for queries, idx, dist in shares:
        indices[queries] = idx
        distances[queries] = dist
    return indices, distances


def dense_core(X, k: int, p: float, *, client=None, scheduler=None, n_threads: int | None = None):
    """(core indices, their codensity): the ceil(p n) points of smallest distributed codensity, ties by index.

    Parameters
    ----------
    X, k, client, scheduler, n_threads
        As ``codensity``.
    p : float
        The fraction of points kept, 0 < p <= 1.

    Returns
    -------
    core : ndarray int64
    rho : ndarray
        As ``fasttda.dense_core``: the same core as the local call.

    Raises
    ------
    ValueError, TypeError
        As ``codensity``, or for p outside (0, 1].

    Examples
    --------
    >>> core, rho = fasttda.dense_core(X, 100, 0.3, client=client)  # doctest: +SKIP
    """
    from .neighbours import core_size

    count = core_size(_shape(X)[1], p)
    rho = codensity(X, k, client=client, scheduler=scheduler, n_threads=n_threads)
    core = np.argsort(rho, kind="stable")[:count].astype(np.int64)
    return core, rho[core]
