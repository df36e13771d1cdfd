"""Mapper engine against KeplerMapper.

Both get the same pca2 lens (computed once, outside the timing), 10×10 cubes
with overlap 0.3, and single linkage cut at the same fixed height inside each
cube: fasttda's exact MST single linkage against KeplerMapper with
sklearn's AgglomerativeClustering(linkage="single", distance_threshold=h).
The covers are not identical (KeplerMapper places and sizes its cubes its
own way), so the graphs are close but not equal.
"""

from stage import Size, Stage, level

import fasttda
from fasttda.mapper import principal_components

CUBES, OVERLAP, HEIGHT = 10, 0.3, 0.5


def cloud_and_lens(n):
    def make():
        X = fasttda.datasets.filter_like(n, seed=0)
        return X, principal_components(X, 2)

    return make


def sizes():
    n = {"quick": 10_000}.get(level(), 100_000)
    return [Size(f"n={n:.0e} 10x10 cubes d=8", cloud_and_lens(n), baseline_repeats=1 if n >= 100_000 else None)]


def run_fasttda(data, warmup):
    X, L = data
    if warmup:
        X, L = X[:1000], L[:1000]
    return fasttda.mapper(X, L, n_intervals=CUBES, overlap=OVERLAP, cluster_params={"height": HEIGHT})


def run_kmapper(data, warmup):
    import kmapper
    from sklearn.cluster import AgglomerativeClustering

    X, L = data
    if warmup:
        X, L = X[:1000], L[:1000]
    return kmapper.KeplerMapper(verbose=0).map(
        L,
        X,
        clusterer=AgglomerativeClustering(n_clusters=None, distance_threshold=HEIGHT, linkage="single"),
        cover=kmapper.Cover(n_cubes=CUBES, perc_overlap=OVERLAP),
    )


STAGES = [
    Stage("mapper", __name__, sizes, run_fasttda, run_kmapper, "KeplerMapper+sklearn"),
]
