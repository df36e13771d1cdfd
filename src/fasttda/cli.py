"""The ``fasttda`` command line."""

from __future__ import annotations

import argparse
import sys
import time


def demo(args: argparse.Namespace) -> int:
    """The 2008 paper's results on the shipped natural-image patches, end to end."""
    import fasttda

    X = fasttda.datasets.natural_patches()
    print(f"natural-image patches: {X.shape[0]} points on S^7 (Carlsson et al. 2008)\n")
    for k in (300, 15):
        start = time.perf_counter()
        result = fasttda.analyze(X, k=k, p=0.3, norm="D", n_threads=args.threads)
        print(f"X({k}, 30%)  [{time.perf_counter() - start:.1f} s]")
        print("  " + result.summary().replace("\n", "\n  ") + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fasttda", description="Topology of what convolutional networks learn.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("demo", help="run the built-in demonstration on data shipped with fasttda")
    p.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    p.set_defaults(run=demo)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, FileNotFoundError) as err:
        print(f"fasttda: error: {err}", file=sys.stderr)
        return 2
