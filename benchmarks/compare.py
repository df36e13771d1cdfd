"""fasttda against the pure-Python TDA stack, stage by stage, in one run.

    python benchmarks/compare.py            # the standard sizes
    python benchmarks/compare.py --quick    # small sizes, a smoke test
    python benchmarks/compare.py --full     # adds the largest sizes (minutes)
    python benchmarks/compare.py --only codensity maxmin

Every measurement runs in a fresh process, so its peak RSS (ru_maxrss) is its
own; the input is made in that process too and counts towards it. A measurement
is the median of --repeats calls. fasttda and the baseline run in --pairs
interleaved pairs (fasttda, baseline, fasttda, baseline, ...), so load on a
shared machine hits both sides alike; the ratio is the median of the pairs'
ratios, printed with their range. Stages come from the stages_*.py modules
beside this script.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing as mp
import os
import platform
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def load_stages():
    stages = []
    for path in sorted(HERE.glob("stages_*.py")):
        stages.extend(importlib.import_module(path.stem).STAGES)
    return stages


def _measure(module: str, stage_name: str, size_label: str, tool: str, repeats: int):
    """Runs in a child process: build the input, time `repeats` calls, report the peak RSS."""
    stage = next(s for s in importlib.import_module(module).STAGES if s.name == stage_name)
    size = next(z for z in stage.sizes() if z.label == size_label)
    data = size.make()
    fn = stage.fasttda if tool == "fasttda" else stage.baseline
    fn(data, warmup=True)  # JIT, page faults, thread start-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(data, warmup=False)
        times.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return statistics.median(times), peak_mb


def measure(stage, size, tool: str, repeats: int):
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_measure, stage.module, stage.name, size.label, tool, repeats).result()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    level = parser.add_mutually_exclusive_group()
    level.add_argument("--quick", action="store_const", const="quick", dest="level")
    level.add_argument("--full", action="store_const", const="full", dest="level")
    parser.add_argument("--only", nargs="*", default=None, help="stage names to run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=3, help="interleaved fasttda/baseline pairs per size")
    args = parser.parse_args(argv)
    os.environ["FASTTDA_BENCH_LEVEL"] = args.level or "standard"

    from fasttda import _core  # which build of the core runs here

    print(
        f"# {platform.node()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()} · fasttda core {_core.isa}"
    )
    header = (
        f"{'stage':<26} {'size':<22} {'fasttda':>10} {'baseline':<22} {'baseline':>10} {'ratio':>7} {'pairs':>11} "
        f"{'RSS fasttda':>12} {'RSS baseline':>13}"
    )
    print(header)
    print("-" * len(header))
    for stage in load_stages():
        if args.only and stage.name not in args.only:
            continue
        for size in stage.sizes():
            paired = size.baseline and stage.baseline is not None
            fast, base = [], []
            for _ in range(max(1, args.pairs) if paired else 1):
                fast.append(measure(stage, size, "fasttda", args.repeats))
                if paired:
                    base.append(measure(stage, size, "baseline", size.baseline_repeats or args.repeats))
            t_fast = statistics.median(t for t, _ in fast)
            rss_fast = max(r for _, r in fast)
            t_base = rss_base = ratio = spread = "-"
            if paired:
                ratios = sorted(b / f for (f, _), (b, _) in zip(fast, base))
                tb = statistics.median(t for t, _ in base)
                t_base, rss_base = f"{tb:.3f}s", f"{max(r for _, r in base):.0f}MB"
                ratio, spread = f"{statistics.median(ratios):.1f}x", f"{ratios[0]:.1f}-{ratios[-1]:.1f}"
            print(
                f"{stage.name:<26} {size.label:<22} {t_fast:9.3f}s {stage.baseline_name:<22} {t_base:>10} "
                f"{ratio:>7} {spread:>11} {rss_fast:10.0f}MB {rss_base:>13}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
