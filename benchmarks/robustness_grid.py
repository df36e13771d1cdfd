"""The robustness grid of analyze: rerunning only what a verdict needs against rerunning analyze whole.

``analyze(..., robustness=True)`` judges the verdict again at k/2, 2k, p/2, 2p and the other contrast
cut, each against its own null. The grid reruns the dense core, landmarks, barcodes and null of each
setting and judges them (``analysis.judge``); the whole analysis at each setting would also redo the
filter vectors, the Mapper graph and the model fits. Both give the same rows (tests/test_analysis.py);
this measures analyze with each (CPU time, on one thread: steadier than wall time on a busy
machine), as the median of interleaved pairs.

    python benchmarks/robustness_grid.py [--slices 20000] [--n-null 3] [--pairs 3]
"""

import argparse
import time

import numpy as np

import fasttda
from fasttda.filters import FilterVectors


def gradients(n, noise, seed):
    yy, xx = np.mgrid[-1:2, -1:2].astype(float)
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 2 * np.pi, n)
    W = np.cos(theta)[:, None, None] * xx + np.sin(theta)[:, None, None] * yy
    return (W + noise * rng.normal(size=W.shape)).reshape(-1, 1, 3, 3)


def whole_reruns(weights, a):
    """The grid by rerunning analyze at each setting (as analyze did before the grid reused the pipeline)."""
    P = a.params
    grid = [{"k": max(2, P["k"] // 2)}, {"k": 2 * P["k"]}, {"p": P["p"] / 2}, {"p": min(1.0, 2 * P["p"])}]
    slices = a.filters is not None and not isinstance(weights, FilterVectors)
    if slices:
        grid.append({"top": 0.2 if P["top"] is None else None})
    rows = []
    for change in grid:
        setting = {"k": P["k"], "p": P["p"], "top": P["top"] if slices else None, **change}
        if "top" in change:
            setting.update({name: None for name in P["defaulted"]})
        try:
            b = fasttda.analyze(
                weights,
                **setting,
                norm=P["norm"],
                n_landmarks=P["n_landmarks"],
                coeff=P["coeff"],
                min_contrast=P["min_contrast"],
                sample=P["sample"],
                n_null=P["n_null"],
                seed=P["seed"],
                n_intervals=4,
                n_threads=1,
            )
            rows.append(b.verdict)
        except ValueError:
            rows.append(None)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=20_000)
    parser.add_argument("--n-null", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    W = gradients(args.slices, 0.2, 7).reshape(10, -1, 1, 3, 3)
    kwargs = {"n_landmarks": 100, "n_null": args.n_null, "n_threads": 1}
    ours, theirs = [], []
    for _ in range(args.pairs):
        t = time.process_time()
        a = fasttda.analyze(W, robustness=True, **kwargs)
        ours.append(time.process_time() - t)
        t = time.process_time()
        b = fasttda.analyze(W, **kwargs)
        verdicts = whole_reruns(W, b)
        theirs.append(time.process_time() - t)
        assert [r["verdict"] for r in a.robustness] == verdicts
    ratio = float(np.median(np.array(ours) / np.array(theirs)))
    print(
        f"{args.slices} slices, n_null={args.n_null}, one thread, CPU time: "
        f"analyze with the grid {np.median(ours):.2f} s, "
        f"with whole reruns {np.median(theirs):.2f} s (median of {args.pairs} pairs); ratio {ratio:.2f}"
    )


if __name__ == "__main__":
    main()
