"""Writes regression.npz: every kernel's output on fixed seeded inputs.

tests/test_regression.py recomputes each entry and asserts bit-equal arrays of
the same dtype, so a refactor of the core can show it changes no result.
Regenerate only when a result is meant to change:

    python tests/data/make_regression.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import fasttda

OUT = Path(__file__).with_name("regression.npz")


def inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20261130)
    t = rng.uniform(0, 2 * np.pi, 60)
    circle = np.c_[np.cos(t), np.sin(t)] + rng.normal(0, 0.05, (60, 2))
    return {
        # 8-D float32 filter-like points: large enough (n >= 3200) for the sampled dense-core radius
        "filters": fasttda.datasets.filter_like(4000, seed=7),
        "gauss5": rng.normal(size=(400, 5)),  # a run-time dimension, float64
        "grid3": rng.integers(0, 4, (300, 3)).astype(float),  # exact ties and duplicates
        "circle": circle,
        "torus": _torus(rng, 70).astype(np.float32),
    }


def _torus(rng, n):
    a, b = rng.uniform(0, 2 * np.pi, (2, n))
    return np.c_[(2 + np.cos(a)) * np.cos(b), (2 + np.cos(a)) * np.sin(b), np.sin(a)]


def _put(out: dict, name: str, value) -> None:
    if isinstance(value, dict):
        for key, v in value.items():
            _put(out, f"{name}.{key}", v)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _put(out, f"{name}.{i}", v)
    else:
        out[name] = np.asarray(value)


def _barcodes(res: dict) -> dict:
    """The kernel's own output of a rips call (the other keys are ripser.py's inputs echoed back)."""
    return {"dgms": res["dgms"], "num_edges": res["num_edges"]}


def outputs(X: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every result as a flat {name: array} dict."""
    out: dict[str, np.ndarray] = {}
    small = X["filters"][:500]
    for name in ("filters", "gauss5", "grid3"):
        _put(out, f"codensity.{name}", fasttda.codensity(X[name], 15))
    for name, cloud in (("filters500", small), ("gauss5", X["gauss5"]), ("grid3", X["grid3"])):
        _put(out, f"knn.{name}", fasttda.knn(cloud, 7))
    for name, k, p in (("filters", 30, 0.2), ("filters", 300, 0.3), ("gauss5", 10, 0.5), ("grid3", 5, 0.3)):
        _put(out, f"dense_core.{name}.{k}", fasttda.dense_core(X[name], k, p, return_codensity=True))
    for name, m in (("filters", 200), ("gauss5", 50), ("grid3", 64)):
        landmarks, radius = fasttda.maxmin(X[name], m, seed=3, return_radius=True)
        _put(out, f"maxmin.{name}", (landmarks, np.float64(radius)))
    for name, r in (("filters500", 0.4), ("gauss5", 1.5), ("grid3", 1.0)):
        cloud = small if name == "filters500" else X[name]
        _put(out, f"radius_graph.{name}", fasttda.radius_graph(cloud, r))

    landmarks = X["filters"][fasttda.maxmin(X["filters"], 120, seed=1)]
    clouds = {"circle": X["circle"], "torus": X["torus"], "filters120": landmarks}
    for name, cloud in clouds.items():
        for coeff in (2, 3):
            for thresh in (np.inf, 0.9):
                key = f"rips.{name}.c{coeff}.t{thresh}"
                _put(out, key + ".points", _barcodes(fasttda.rips(cloud, maxdim=2, coeff=coeff, thresh=thresh)))
                D = np.sqrt(((cloud[:, None, :].astype(np.float64) - cloud[None, :, :]) ** 2).sum(-1))
                _put(
                    out,
                    key + ".matrix",
                    _barcodes(fasttda.rips(D, maxdim=2, coeff=coeff, thresh=thresh, distance_matrix=True)),
                )
    from scipy import sparse

    D = np.sqrt(((X["circle"][:, None, :] - X["circle"][None, :, :]) ** 2).sum(-1))
    i, j = np.nonzero((D <= 0.8) & (np.arange(len(D))[:, None] < np.arange(len(D))))
    _put(
        out,
        "rips.circle.sparse",
        _barcodes(fasttda.rips(sparse.coo_matrix((D[i, j], (i, j)), shape=D.shape), maxdim=2)),
    )

    graphs = {
        "filters.pca2.sl": fasttda.mapper(X["filters"], "pca2", n_intervals=5, overlap=0.3, triangles=True),
        "filters.angle.dbscan": fasttda.mapper(
            X["filters"],
            "circle_angle",
            n_intervals=6,
            clusterer="dbscan",
            cluster_params={"eps": 0.3, "min_samples": 5},
            triangles=True,
        ),
        "gauss5.pca1.balanced.height": fasttda.mapper(
            X["gauss5"],
            "pca1",
            n_intervals=8,
            overlap=0.4,
            cover="balanced",
            cluster_params={"height": 1.2},
            min_points=2,
        ),
        "filters.codensity.boruvka": fasttda.mapper(
            X["filters"], "codensity", n_intervals=3, cluster_params={"prim_max": 100}, triangles=True
        ),
    }
    for name, g in graphs.items():
        _put(out, f"mapper.{name}.members", np.concatenate(g.nodes))
        _put(out, f"mapper.{name}.size", g.size)
        _put(out, f"mapper.{name}.edges", g.edges)
        _put(out, f"mapper.{name}.edge_weights", g.edge_weights)
        _put(out, f"mapper.{name}.cube", g.cube)
        if g.triangles is not None:
            _put(out, f"mapper.{name}.triangles", g.triangles)

    for method in ("prim", "boruvka"):
        _put(out, f"euclidean_mst.filters500.{method}", _mst(small, method))
        _put(out, f"euclidean_mst.gauss5.{method}", _mst(X["gauss5"], method))
    return out


def _mst(X, method):
    from fasttda.mapper import euclidean_mst

    return euclidean_mst(X, method=method)


def main() -> None:
    X = inputs()
    out = outputs(X)
    np.savez_compressed(OUT, **{f"input.{k}": v for k, v in X.items()}, **out)
    print(f"{OUT.name}: {len(out)} arrays, {OUT.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
