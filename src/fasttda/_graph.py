"""Small graph utilities shared by the Mapper graph and its drawings (scipy's csgraph underneath)."""

from __future__ import annotations

import numpy as np


def component_labels(n: int, edges) -> np.ndarray:
    """The connected component of each of n nodes joined by ``edges`` (m, 2), components numbered in the
    order of their smallest node."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[labels]


def components(n: int, edges) -> list[np.ndarray]:
    """Sorted node index arrays of the connected components, ordered by their smallest node."""
    labels = component_labels(n, edges)
    order = np.argsort(labels, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(labels[order])) + 1) if n else []
