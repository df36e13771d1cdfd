"""What the circular coordinate, its correlation and the loop add to analyze.

For each input: analyze (which computes them when the longest H1 bar counts as
long) and, separately, ``circular.of_analysis`` on its result (the added work:
cocycles of the landmarks over Z/47 (fasttda.rips), the weighted least squares,
the partition of unity over the core and the loop's Dijkstra in the 47-fold
cover), interleaved, median of the repeats.

    python benchmarks/circular_cost.py [--repeats 3] [--weights FILE.npz]
"""

import argparse
import time

import numpy as np

import fasttda
from fasttda import circular


def inputs(weights):
    rng = np.random.default_rng(0)
    theta = rng.uniform(0, 2 * np.pi, 1536)
    yy, xx = np.mgrid[-1:2, -1:2].astype(float)
    edges = np.cos(theta)[:, None, None] * xx + np.sin(theta)[:, None, None] * yy
    edges = (edges + 0.3 * rng.normal(size=edges.shape)).reshape(24, 64, 1, 3, 3)
    out = [
        ("24 x 64 noisy edge filters (demo-sized layer 1)", edges, {}),
        (
            "natural patches X(300, 30%), 300 landmarks",
            fasttda.datasets.natural_patches(),
            {"k": 300, "p": 0.3, "norm": "D"},
        ),
    ]
    if weights:
        data = np.load(weights)
        out.append((f"{weights}: trained layer 1 {data['w1'].shape}", data["w1"], {"initial": data["w1_0"]}))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--weights", default=None, help="an .npz with w1 (seeds, out, in, 3, 3) and w1_0 (initial)")
    args = ap.parse_args()

    for name, w, kwargs in inputs(args.weights):
        total, added = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            a = fasttda.analyze(w, **kwargs)
            total.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            if a.long_bars[1] >= 1:
                circular.of_analysis(a)
            added.append(time.perf_counter() - t0)
        t, c = float(np.median(total)), float(np.median(added))
        loop = "none" if a.loop is None else f"{len(a.loop['core'])} filters"
        corr = "n/a" if a.circle_correlation is None else f"{a.circle_correlation:.3f}"
        print(
            f"| {name} | {a.verdict} | {len(a.core)} / {len(a.landmarks)} | {t:.2f} | {c:.2f} | "
            f"{100 * c / t:.0f}% | {corr} | {loop} |"
        )


if __name__ == "__main__":
    main()
