"""How cost grows with n: each stage at n = 10^4 .. 10^7, time and peak RSS, with a log-log plot.

    python benchmarks/scaling.py                          # n = 1e4, 1e5, 1e6; every stage
    python benchmarks/scaling.py --max-n 1e7 --stages codensity dense_core
    python benchmarks/scaling.py --repeat 3 --plot benchmarks/scaling.png

Input: ``fasttda.datasets.filter_like(n)`` (d = 8: points near the primary
circle and the two secondary circles on S⁷ plus a fifth uniform, all with
jitter), or for ``analyze`` the same points turned into raw 3×3 slices with a
random offset and scale each (as benchmarks/stages_analysis.py makes them).
Every measurement runs in a fresh process, which makes its own input, so the
peak RSS (ru_maxrss) is that stage's own, input included. Times are medians
of --repeat calls after a warm-up call on a small slice.

Stages (fasttda, and beside it the peer where one finishes in reasonable time):

- codensity: k = 100 (scipy cKDTree.query(k + 1, workers=-1) beside it)
- dense_core: X(100, 30%)
- maxmin: 300 landmarks
- radius_graph: r = 0.05
- mapper: pca2 lens (outside the timing), 10×10 cubes, overlap 0.3, single
  linkage at height 0.5 (KeplerMapper + sklearn's single linkage on the same
  cubes beside it, as benchmarks/mapper_pairs.py runs it)
- rips: H0+H1 of 1,000 max-min landmarks (chosen outside the timing) with no
  threshold (ripser.py beside it); the landmark count does not grow with n
- analyze: ``analyze(slices, sample=None)``, the whole population
- analyze_null_1e5: the same with ``null_size=100_000`` (null draws of at most
  about 10^5 points at the analysed scale, ``fasttda.analysis.null_scale``)

``--merge FILE`` reads rows written earlier with ``--json`` and adds them
(rows measured now replace those of the same stage and n), so the plot and the
fitted exponents can span sizes measured in separate runs.

The fitted exponent per stage is the slope of log(time) against log(n) over
the sizes measured (wall time; the CPU seconds of all threads are in the
table too, the fairer figure on a machine shared with other jobs).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

STAGES = ("codensity", "dense_core", "maxmin", "radius_graph", "mapper", "rips", "analyze", "analyze_null_1e5")
# Largest n at which each peer runs: beyond it, it takes minutes (KeplerMapper's O(m²) single linkage per cube
# already takes seconds at 1e5, and about 100x that at 1e6; cKDTree's k = 100 queries cost 340-590 µs of CPU each
# on these points, 6-10 CPU minutes at 1e6, benchmarks/codensity_pairs.py times it on a block instead) or does
# not change (ripser.py gets 1,000 landmarks whatever n is).
PEER_MAX_N = {"codensity": 10**5, "mapper": 10**5, "rips": 10**4}
PEER_NAME = {"codensity": "cKDTree", "mapper": "KeplerMapper+sklearn", "rips": "ripser.py"}


def make_input(stage: str, n: int):
    import fasttda
    from fasttda.mapper import principal_components

    if stage.startswith("analyze"):
        return slices(n)
    X = fasttda.datasets.filter_like(n, seed=0)
    if stage == "mapper":
        return X, principal_components(X, 2)
    if stage == "rips":
        return X[fasttda.maxmin(X, 1000)]
    return X


def call(stage: str, tool: str, data, warmup: bool):
    import fasttda

    small = 2000
    if stage == "codensity":
        X = data[:small] if warmup else data
        if tool == "fasttda":
            return fasttda.codensity(X, 100)
        from scipy.spatial import cKDTree

        return cKDTree(X).query(X, 101, workers=-1)[0][:, 100]
    if stage == "dense_core":
        return fasttda.dense_core(data[:small] if warmup else data, 100, 0.3)
    if stage == "maxmin":
        return fasttda.maxmin(data[:small] if warmup else data, 300)
    if stage == "radius_graph":
        return fasttda.radius_graph(data[:small] if warmup else data, 0.05)
    if stage == "mapper":
        from mapper_pairs import fixed_cover, run_fasttda, run_kmapper

        X, L = data
        if warmup:
            X, L = X[:small], L[:small]
        if tool == "fasttda":
            return run_fasttda(X, L)
        g = run_fasttda(X, L)  # only for its cover, outside KeplerMapper's timing below
        cover = fixed_cover(g.cover["lower"], g.cover["upper"])
        start, cpu = time.perf_counter(), time.process_time()
        run_kmapper(X, L, cover)
        return time.perf_counter() - start, time.process_time() - cpu
    if stage == "rips":
        X = data[:100] if warmup else data
        if tool == "fasttda":
            return fasttda.rips(X, maxdim=1)
        import ripser

        return ripser.ripser(X, maxdim=1)
    if stage.startswith("analyze"):
        null_size = 100_000 if stage == "analyze_null_1e5" else None
        return fasttda.analyze(data[:20_000] if warmup else data, sample=None, null_size=null_size)
    raise ValueError(stage)


def slices(n: int) -> np.ndarray:
    """stages_analysis.slices(n), made in blocks of 10^6 in float32 (its float64 temporaries would add 0.7 GB to
    the peak RSS at 1e7); the same slices as stages_analysis for n ≤ 10^6."""
    if n <= 10**6:
        from stages_analysis import slices as whole

        return whole(n)()
    import fasttda
    from fasttda.filters import dct_patches

    W = np.empty((n, 3, 3), np.float32)
    for i, s in enumerate(range(0, n, 10**6)):
        m = min(10**6, n - s)
        rng = np.random.default_rng([0, i])
        w = dct_patches(fasttda.datasets.filter_like(m, seed=1 + i), "L2")
        w *= rng.uniform(0.1, 2.0, (m, 1, 1))
        w += rng.normal(0, 1, (m, 1, 1))
        W[s : s + m] = w
    return W


def _measure(stage: str, tool: str, n: int, repeat: int):
    """In a fresh process: make the input, warm up, time `repeat` calls; (median wall seconds, median CPU
    seconds of all the process's threads, peak RSS MB)."""
    data = make_input(stage, n)
    call(stage, tool, data, warmup=True)
    times, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        out = call(stage, tool, data, warmup=False)
        elapsed, used = time.perf_counter() - start, time.process_time() - cpu
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], float):  # the mapper peer times itself
            elapsed, used = out
        times.append(elapsed), cpus.append(used)
    return statistics.median(times), statistics.median(cpus), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(stage: str, tool: str, n: int, repeat: int):
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_measure, stage, tool, n, repeat).result()


def exponent(rows, key: str = "seconds") -> float | None:
    pts = [(r["n"], r[key]) for r in rows if r.get(key) is not None]
    if len(pts) < 2:
        return None
    x, y = np.log10([p[0] for p in pts]), np.log10([p[1] for p in pts])
    return float(np.polyfit(x, y, 1)[0])


def plot(results: dict, path: Path, key: str = "seconds") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5))
    ax.set_prop_cycle(color=plt.cm.tab20.colors[::2] + plt.cm.tab20.colors[1::2])  # more stages than 10 colours
    for name, rows in results.items():
        pts = [(r["n"], r[key]) for r in rows if r.get(key) is not None]
        if not pts:
            continue
        b = exponent(rows, key)
        style = "--" if name.endswith(")") else "-"
        ax.loglog(*zip(*pts), style, marker="o", label=f"{name}" + (f"  n^{b:.2f}" if b is not None else ""))
    ax.set_xlabel("n (points)")
    ax.set_ylabel("CPU seconds (all threads)" if key == "cpu_seconds" else "seconds")
    ax.set_title("fasttda stage time against n (filter-like points, d = 8); dashed: peers")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-n", type=float, default=1e6, help="largest n (a power of ten from 1e4)")
    parser.add_argument("--min-n", type=float, default=1e4)
    parser.add_argument("--stages", nargs="*", default=list(STAGES), choices=STAGES)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-peers", action="store_true", help="fasttda only")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    parser.add_argument("--merge", type=Path, default=None, help="add the rows of an earlier --json file")
    parser.add_argument("--plot", type=Path, default=None, help="write the log-log plot here (PNG)")
    parser.add_argument(
        "--plot-cpu",
        action="store_true",
        help="plot CPU seconds instead of wall time (fairer on a machine shared with other jobs)",
    )
    args = parser.parse_args(argv)
    sizes = [10**e for e in range(round(math.log10(args.min_n)), round(math.log10(args.max_n)) + 1)]

    from fasttda import _core

    print(f"# {os.cpu_count()} CPUs, fasttda core {_core.isa}, sizes {sizes}, repeat {args.repeat}")
    print("| stage | n | fasttda wall | fasttda CPU | peak RSS | peer | peer wall | peer CPU | peer RSS |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    results = {}
    for stage in args.stages:
        ours, theirs = results.setdefault(stage, []), []
        for n in sizes:
            t, c, rss = measure(stage, "fasttda", n, args.repeat)
            ours.append({"n": n, "seconds": t, "cpu_seconds": c, "rss_mb": rss})
            peer = "-"
            if not args.no_peers and stage in PEER_MAX_N and n <= PEER_MAX_N[stage]:
                tp, cp, rp = measure(stage, "peer", n, args.repeat)
                theirs.append({"n": n, "seconds": tp, "cpu_seconds": cp, "rss_mb": rp})
                peer = f"{PEER_NAME[stage]} | {tp:.3f} s | {cp:.3f} s | {rp:.0f} MB"
            elif stage in PEER_NAME:
                peer = f"{PEER_NAME[stage]} | skipped (n > {PEER_MAX_N[stage]:.0e}) | - | -"
            else:
                peer = "- | - | - | -"
            print(f"| {stage} | {n:.0e} | {t:.3f} s | {c:.3f} s | {rss:.0f} MB | {peer} |", flush=True)
        if theirs:
            results[f"{stage} ({PEER_NAME[stage]})"] = theirs
    if args.merge and args.merge.is_file():
        for key, rows in json.loads(args.merge.read_text()).items():
            now = {r["n"] for r in results.get(key, [])}
            results[key] = sorted([r for r in rows if r["n"] not in now] + results.get(key, []), key=lambda r: r["n"])
    print()
    for key, rows in results.items():
        b, c = exponent(rows), exponent(rows, "cpu_seconds")
        sizes_of = ", ".join(f"{r['n']:.0e}" for r in rows)
        print(f"{key}: wall ~ n^{b:.2f}, CPU ~ n^{c:.2f} ({sizes_of})" if b is not None else f"{key}: one size only")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.plot:
        plot(results, args.plot, "cpu_seconds" if args.plot_cpu else "seconds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
