"""The ``fasttda`` command line."""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def demo(args: argparse.Namespace) -> int:
    """Dense cores of the shipped natural-image patches, the 2008 paper's first result."""
    import fasttda

    X = fasttda.datasets.natural_patches()
    print(f"natural-image patches: {X.shape[0]} points on S^7 (Carlsson et al. 2008)")
    for k in (300, 15):
        start = time.perf_counter()
        core = fasttda.dense_core(X, k, 0.3, n_threads=args.threads)
        landmarks, radius = fasttda.maxmin(X[core], args.landmarks, return_radius=True, n_threads=args.threads)
        took = time.perf_counter() - start
        # Mass near the primary circle: the share of the core's energy in (e1, e2).
        on_circle = np.linalg.norm(X[core][:, :2], axis=1)
        print(
            f"X({k}, 30%): {len(core)} points, {len(landmarks)} max-min landmarks cover it within {radius:.3f}; "
            f"median |(e1, e2)| = {np.median(on_circle):.2f}  [{took:.2f} s]"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fasttda", description="Topology of what convolutional networks learn.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("demo", help="run the built-in demonstration on data shipped with fasttda")
    p.add_argument("--landmarks", type=int, default=200, help="max-min landmarks per core (default 200)")
    p.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    p.set_defaults(run=demo)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, FileNotFoundError) as err:
        print(f"fasttda: error: {err}", file=sys.stderr)
        return 2
