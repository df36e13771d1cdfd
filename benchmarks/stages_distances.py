"""Distance matrices between H1 diagrams against persim and Hera (hera-tda).

Every tool computes the same 50x50 matrix of 300-bar H1 diagrams; persim and
Hera loop over the 1,225 pairs in Python (their inputs converted beforehand).
Run on its own, this module times fasttda and each baseline in interleaved
pairs (ours, theirs, ours, theirs, ...) in one process and prints the median
ratio of each pair:

    PYTHONPATH=src python benchmarks/stages_distances.py [--pairs 3] [--threads 1]

compare.py measures the same stages in fresh processes, with their peak RSS.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings

import numpy as np
from stage import Size, Stage, level

import fasttda

THREADS = 2
DELTA = 0.01


def h1_diagrams(n_diagrams: int, n_bars: int, seed: int = 0) -> list[np.ndarray]:
    """H1-like diagrams as Rips gives for noisy circles: most bars short
    (exponential persistence, mean 0.02) and born between 0.05 and 0.5, and
    one to three long bars (persistence 0.5-1.2), as the circle's."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_diagrams):
        births = rng.gamma(4, 0.05, n_bars)
        pers = rng.exponential(0.02, n_bars)
        k = int(rng.integers(1, 4))
        pers[:k] = rng.uniform(0.5, 1.2, k)
        births[:k] = rng.uniform(0.1, 0.3, k)
        out.append(np.c_[births, births + pers])
    return out


class Diagrams(list):
    """The diagrams as arrays, with the lists of pairs hera-tda takes made beforehand (untimed)."""

    def __init__(self, arrays):
        super().__init__(arrays)
        self.lists = [a.tolist() for a in arrays]


def sizes():
    n = {"quick": 12}.get(level(), 50)
    return [Size(f"{n}x{n} H1 300 bars", lambda: Diagrams(h1_diagrams(n, 300)), baseline_repeats=1)]


def _warm(dgms, warmup):
    return dgms[:3] if warmup else dgms


def _pairs(dgms):
    n = len(dgms)
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def _loop(dgms, distance):
    D = np.zeros((len(dgms), len(dgms)))
    for i, j in _pairs(dgms):
        D[i, j] = D[j, i] = distance(dgms[i], dgms[j])
    return D


def ours_bottleneck(dgms, warmup, threads=THREADS):
    return fasttda.diagram_distances(_warm(dgms, warmup), metric="bottleneck", n_threads=threads)


def ours_wasserstein_l2(dgms, warmup, threads=THREADS):
    return fasttda.diagram_distances(_warm(dgms, warmup), metric="wasserstein", p=1, internal_p=2, n_threads=threads)


def ours_wasserstein_exact(dgms, warmup, threads=THREADS):
    return fasttda.diagram_distances(_warm(dgms, warmup), metric="wasserstein", p=1, n_threads=threads)


def persim_bottleneck(dgms, warmup):
    import persim

    return _loop(_warm(dgms, warmup), persim.bottleneck)


def persim_wasserstein(dgms, warmup):
    import persim

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _loop(_warm(dgms, warmup), persim.wasserstein)


def hera_bottleneck(dgms, warmup):
    import hera_tda

    lists = _warm(dgms.lists, warmup)
    return _loop(lists, lambda a, b: hera_tda.BottleneckDistance(a, b)[0])


def hera_wasserstein(dgms, warmup):
    import hera_tda

    params = hera_tda.AuctionParams()
    params.wasserstein_power = 1.0
    params.internal_p = -1.0  # Hera's code for L-inf
    params.delta = DELTA
    lists = _warm(dgms.lists, warmup)
    return _loop(lists, lambda a, b: hera_tda.WassersteinDistance(a, b, params))


STAGES = [
    Stage("bottleneck vs persim", __name__, sizes, ours_bottleneck, persim_bottleneck, "persim.bottleneck"),
    Stage("W1 L2 vs persim", __name__, sizes, ours_wasserstein_l2, persim_wasserstein, "persim.wasserstein"),
]
# hera-tda 0.0.2 (PyPI) bundles a pybind11 too old for Python 3.11: build its
# sdist with the bundled pybind11/include replaced by a current pybind11's.
try:
    import hera_tda  # noqa: F401

    STAGES += [
        Stage("bottleneck vs hera", __name__, sizes, ours_bottleneck, hera_bottleneck, "hera exact"),
        Stage("W1 exact vs hera", __name__, sizes, ours_wasserstein_exact, hera_wasserstein, f"hera auction d={DELTA}"),
    ]
except ImportError:  # hera-tda is optional
    pass


def interleaved(stage, dgms, pairs: int, threads: int):
    """Median over `pairs` of baseline time / fasttda time, measured alternately."""
    ours = lambda: stage.fasttda(dgms, False, threads)
    theirs = lambda: stage.baseline(dgms, False)
    ours(), stage.baseline(dgms, True)  # warm-up
    t_ours, t_theirs, ratios = [], [], []
    for _ in range(pairs):
        s = time.perf_counter()
        D1 = ours()
        t_ours.append(time.perf_counter() - s)
        s = time.perf_counter()
        D2 = theirs()
        t_theirs.append(time.perf_counter() - s)
        ratios.append(t_theirs[-1] / t_ours[-1])
    err = float(np.max(np.abs(D1 - D2) / np.maximum(D2, 1e-300)))
    return statistics.median(t_ours), statistics.median(t_theirs), statistics.median(ratios), err


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3, help="interleaved (fasttda, baseline) pairs per stage")
    parser.add_argument("--threads", type=int, default=THREADS, help="fasttda's n_threads")
    parser.add_argument("--only", nargs="*", default=None, help="stage names to run")
    parser.add_argument("--diagrams", type=int, default=50)
    args = parser.parse_args(argv)
    dgms = Diagrams(h1_diagrams(args.diagrams, 300))
    print(
        f"{args.diagrams}x{args.diagrams} matrix of 300-bar H1 diagrams, fasttda n_threads={args.threads}, "
        f"{args.pairs} interleaved pairs"
    )
    print(f"{'stage':<24} {'fasttda':>9} {'baseline':<24} {'baseline':>9} {'ratio':>7} {'max rel diff':>12}")
    for stage in STAGES:
        if args.only and stage.name not in args.only:
            continue
        t_ours, t_theirs, ratio, err = interleaved(stage, dgms, args.pairs, args.threads)
        print(
            f"{stage.name:<24} {t_ours:8.3f}s {stage.baseline_name:<24} {t_theirs:8.3f}s {ratio:6.1f}x {err:12.2e}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
