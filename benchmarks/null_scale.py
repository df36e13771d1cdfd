"""Does a null draw of fewer points, at the analysed scale, stand for a full-size draw?

The null model (``fasttda.analysis.null_model``) runs the pipeline on untrained
filters: as many slices as the layer has, drawn from the initialisation. At
n = 10^6 that is three more dense cores of 10^6 near-uniform points on S⁷,
most of ``analyze(sample=None)``'s time. This compares, draw by draw, the top
H1 bars of full-size draws (n points at k) with those of draws of m points
at k·m/n (``null_scale``: the same fraction of the points in a neighbourhood,
so about the same radius), for several m:

    python benchmarks/null_scale.py --n 1000000 --draws 8 --sizes 100000 33333 10000

Input: raw 3×3 slices shaped like layer-1 filters (``stages_analysis.slices``);
k and p are ``analyze``'s defaults for n unless given. Draws of each size use
their own seeds (independent of the other sizes); the order is interleaved
(full, m1, m2, ..., full, m1, ...) so the load falls alike on all. Per size it
prints the mean and standard deviation of the top H1 bar, the cut the verdict
would use (``null_cut``) for each consecutive group of ``--group`` draws (3, as
``analyze`` draws), the difference of means with its standard error, and the
CPU seconds per draw. Each draw is also written as a JSON line to ``--out``.

Why the smaller draws differ, paired on the same full draws: ``--cores C1 C2
...`` keeps each full draw's own dense core (the k-NN field at k) and only
subsamples it to C points before the landmarks:

    python benchmarks/null_scale.py --n 1000000 --draws 6 --cores 30000 10000 3333
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from stages_analysis import slices  # noqa: E402

from fasttda.analysis import default_k, default_p, null_cut, null_model, null_scale  # noqa: E402
from fasttda.filters import filter_vectors  # noqa: E402
from fasttda.homology import _rips_points  # noqa: E402
from fasttda.neighbours import _dense_core, _maxmin  # noqa: E402


def paired_cores(fv, k: int, p: float, n_landmarks: int, seeds, sizes) -> None:
    """Per full null draw (as null_model draws it with that seed): the top H1 bar and covering radius of the
    landmarks of its whole dense core and of random subsamples of that core."""
    tops = {c: [] for c in ["whole", *sizes]}
    for s in seeds:
        rng = np.random.default_rng([s, 0x0D11, 0])
        pts = filter_vectors(np.asarray(rng.uniform(-1.0, 1.0, (fv.n_slices, 3, 3)), dtype=np.float32)).points
        X = pts[_dense_core(pts, k, p, None)[0]]
        row = {"seed": s, "core": len(X)}
        for c in ["whole", *sizes]:
            Y = X if c == "whole" else X[np.sort(np.random.default_rng(s + 77).choice(len(X), c, replace=False))]
            lm, radius = _maxmin(Y, n_landmarks, s, None)
            d = _rips_points(Y[lm], 1, 2, None)["dgms"][1]
            top = float((d[:, 1] - d[:, 0]).max())
            tops[c].append(top)
            row[str(c)] = {"top_h1": round(top, 4), "cover_radius": round(float(radius), 4)}
        print(json.dumps(row), flush=True)
    whole = np.array(tops["whole"])
    print("\n| core | top H1 mean (std) | paired difference from the whole core (± s.e.) |\n| --- | --- | ---: |")
    for c, x in tops.items():
        x = np.array(x)
        d = x - whole
        diff = "–" if c == "whole" else f"{d.mean():+.3f} (± {d.std(ddof=1) / np.sqrt(len(d)):.3f})"
        print(f"| {c} | {x.mean():.3f} ({x.std(ddof=1):.3f}) | {diff} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--k", type=int, default=None)
    ap.add_argument("--p", type=float, default=None)
    ap.add_argument("--draws", type=int, default=8)
    ap.add_argument("--start", type=int, default=0, help="first draw (seeds follow it: continue an earlier run)")
    ap.add_argument("--full-draws", type=int, default=None, help="full-size draws (default --draws)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 33_333, 10_000])
    ap.add_argument("--group", type=int, default=3)
    ap.add_argument("--n-landmarks", type=int, default=300)
    ap.add_argument("--cores", type=int, nargs="*", default=None, help="paired core subsamples instead (see above)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    fv = filter_vectors(slices(args.n)())
    n = len(fv)
    k = default_k(n) if args.k is None else args.k
    p = default_p(n) if args.p is None else args.p
    kw = dict(k=k, p=p, norm="L2", n_landmarks=args.n_landmarks, coeff=2, min_contrast=0.01, top=None, sample=None)
    if args.cores:
        paired_cores(fv, k, p, args.n_landmarks, range(args.start, args.start + args.draws), args.cores)
        return 0
    sizes = [None, *args.sizes]
    label = {m: "full" if m is None else f"{null_scale(n, k, m)[0]} at k={null_scale(n, k, m)[1]}" for m in sizes}
    print(f"# n = {n} filter vectors, k = {k}, p = {p:.3g}; sizes: {', '.join(label.values())}", flush=True)
    tops = {m: [] for m in sizes}
    cpu = {m: [] for m in sizes}
    n_full = args.draws if args.full_draws is None else args.full_draws
    out = args.out.open("a") if args.out else None
    for i in range(args.start, args.start + args.draws):
        for m in sizes:
            if m is None and i >= args.start + n_full:
                continue
            seed = i if m is None else 1000 * m + i  # independent draws for every size
            start, c = time.perf_counter(), time.process_time()
            t = float(null_model(fv, n, **kw, n_null=1, seed=seed, null_size=m)[0])
            wall, c = time.perf_counter() - start, time.process_time() - c
            tops[m].append(t), cpu[m].append(c)
            row = {"n": n, "k": k, "p": p, "size": label[m], "seed": seed, "top_h1": t, "cpu_s": c, "wall_s": wall}
            print(json.dumps(row), flush=True)
            if out:
                out.write(json.dumps(row) + "\n"), out.flush()
    print()
    print("| null draw | draws | top H1 mean | std | mean − full's (± s.e.) | cuts of groups of 3 | CPU s per draw |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: |")
    full = np.array(tops[None])
    for m in sizes:
        x = np.array(tops[m])
        sd = x.std(ddof=1) if len(x) > 1 else 0.0
        if m is None:
            diff = "–"
        else:
            se = np.sqrt(x.var(ddof=1) / len(x) + full.var(ddof=1) / len(full)) if len(x) > 1 < len(full) else 0
            diff = f"{x.mean() - full.mean():+.3f} (± {se:.3f})"
        g = args.group
        cuts = ", ".join(f"{null_cut(x[s : s + g]):.3f}" for s in range(0, len(x) - g + 1, g))
        print(
            f"| {label[m]} | {len(x)} | {x.mean():.3f} | {sd:.3f} | {diff} | {cuts} | {statistics.median(cpu[m]):.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
