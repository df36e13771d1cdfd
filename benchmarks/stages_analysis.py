"""analyze end to end against the same pipeline written with the pure-Python stack.

Input: raw 3×3 slices, shaped like layer-1 filters (filter-like points on S⁷
turned back into patches, with a random offset and scale per slice). Both
pipelines sample 50,000 filter vectors (as Carlsson et al. sample their
patches), take X(300, 30%), 300 max-min landmarks, H0+H1 barcodes of the
landmarks and a pca2 Mapper graph of the core (10×10 cubes, overlap 0.3,
single linkage). The baseline: numpy filter vectors, scipy cKDTree codensity,
a numpy max-min loop, ripser.py and KeplerMapper with sklearn's single linkage.
"""

import numpy as np
from scipy.spatial import cKDTree
from stage import Size, Stage, level
from stages_neighbours import numpy_maxmin

import fasttda
from fasttda.filters import dct_coordinates, dct_patches

SAMPLE, K, P, LANDMARKS = 50_000, 300, 0.3, 300


def slices(n):
    def make():
        rng = np.random.default_rng(0)
        W = dct_patches(fasttda.datasets.filter_like(n, seed=1), "L2")
        W *= rng.uniform(0.1, 2.0, (n, 1, 1))
        W += rng.normal(0, 1, (n, 1, 1))
        return W.astype(np.float32)

    return make


def sizes():
    n = {"quick": 100_000}.get(level(), 1_000_000)
    return [Size(f"{n:.0e} 3x3 slices", slices(n), baseline_repeats=1)]


def run_fasttda(W, warmup):
    return fasttda.analyze(W[:20_000] if warmup else W, k=K, p=P, n_landmarks=LANDMARKS, sample=SAMPLE)


def run_python(W, warmup):
    import kmapper
    import ripser
    from sklearn.cluster import AgglomerativeClustering

    if warmup:
        W = W[:20_000]
    x = W.reshape(len(W), 9).astype(np.float64)
    x -= x.mean(axis=1, keepdims=True)
    contrast = np.linalg.norm(x, axis=1)
    x = x[contrast >= 0.01 * np.median(contrast)]
    points = (x / np.linalg.norm(x, axis=1, keepdims=True)) @ dct_coordinates("L2").T
    points = points[np.sort(np.random.default_rng(0).choice(len(points), min(SAMPLE, len(points)), replace=False))]
    rho = cKDTree(points).query(points, K + 1, workers=-1)[0][:, K]
    core = points[np.argsort(rho, kind="stable")[: int(np.ceil(P * len(points)))]]
    landmarks = numpy_maxmin(core, LANDMARKS)
    dgms = ripser.ripser(core[landmarks], maxdim=1)["dgms"]
    centred = core - core.mean(axis=0)
    lens = centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T
    graph = kmapper.KeplerMapper(verbose=0).map(
        lens,
        core,
        clusterer=AgglomerativeClustering(n_clusters=None, distance_threshold=0.5, linkage="single"),
        cover=kmapper.Cover(n_cubes=10, perc_overlap=0.3),
    )
    return dgms, graph


STAGES = [Stage("analyze (end to end)", __name__, sizes, run_fasttda, run_python, "scipy+numpy+ripser+kmapper")]
