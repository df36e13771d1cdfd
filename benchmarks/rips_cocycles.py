"""What cocycles cost: rips with do_cocycles=False against an earlier build, and do_cocycles=True against False.

Each measurement runs in a fresh process on one source tree (its compiled core built in place), so two
builds of the same module can be timed side by side; pairs are interleaved (new, base, new, base, ...)
and the ratio is the median over pairs.

    python benchmarks/rips_cocycles.py --base OLD_TREE --new NEW_TREE [--pairs 7]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

CASES = {  # name: (landmarks of filter_like, thresh, maxdim); each call 0.1-1 s
    "250 landmarks t=inf H1": (250, "inf", 1),
    "600 landmarks t=1.0 H1": (600, "1.0", 1),
    "100 landmarks t=inf H2": (100, "inf", 2),
}

CHILD = r"""
import json, sys, time
import numpy as np
import fasttda
n, thresh, maxdim = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
cocycles, threads = sys.argv[4] == "1", int(sys.argv[5])
X = fasttda.datasets.filter_like(20_000, seed=0)
L = X[fasttda.maxmin(X, n)].astype(np.float64)
kw = {"do_cocycles": True} if cocycles else {}
fasttda.rips(L, maxdim=maxdim, thresh=thresh, n_threads=threads, **kw)
best = float("inf")
for _ in range(2):
    t = time.perf_counter()
    fasttda.rips(L, maxdim=maxdim, thresh=thresh, n_threads=threads, **kw)
    best = min(best, time.perf_counter() - t)
print(json.dumps(best))
"""


def run(tree, case, cocycles, threads):
    n, thresh, maxdim = CASES[case]
    env = dict(os.environ, PYTHONPATH=os.path.join(tree, "src"))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(n), thresh, str(maxdim), "1" if cocycles else "0", str(threads)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="a source tree with the earlier build")
    ap.add_argument("--new", required=True, help="a source tree with the build under test")
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    print(
        "| case | new, do_cocycles=False (s) | earlier build (s) | new / earlier "
        "| do_cocycles=True (s) | True / False |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for case in CASES:
        new, base, with_c = [], [], []
        for _ in range(args.pairs):
            new.append(run(args.new, case, False, args.threads))
            base.append(run(args.base, case, False, args.threads))
            with_c.append(run(args.new, case, True, args.threads))
        ratio = statistics.median(a / b for a, b in zip(new, base))
        cost = statistics.median(c / a for c, a in zip(with_c, new))
        print(
            f"| {case} | {statistics.median(new):.3f} | {statistics.median(base):.3f} | {ratio:.3f} "
            f"| {statistics.median(with_c):.3f} | {cost:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
