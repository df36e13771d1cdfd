"""Which training defaults let the canonical MNIST study show the seed's findings.

Trains mnist2 on mnist5k from the same 24 seeds under several optimizers and learning
rates, keeps layers 1 and 2 at checkpoints 0, 100, 400, 1000 and 2000, and analyses each
(layer, checkpoint) with the default analysis parameters, the null model included.

    python benchmarks/defaults.py train --cache DIR            # trains what is not cached yet
    python benchmarks/defaults.py table --cache DIR            # the markdown table for RESULTS.md

Training is the slow part (a few minutes a setting on two cores); the weights are cached.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

SETTINGS = {  # name: (optimizer, lr, momentum)
    "sgd 0.01": ("sgd", 0.01, 0.0),
    "sgd 0.05": ("sgd", 0.05, 0.0),
    "sgd 0.1": ("sgd", 0.1, 0.0),
    "sgd+m 0.01": ("sgd", 0.01, 0.9),
    "adam 3e-4": ("adam", 3e-4, 0.0),
    "adam 1e-3": ("adam", 1e-3, 0.0),
    "adam 3e-3": ("adam", 3e-3, 0.0),
}
CHECKPOINTS = [0, 100, 400, 1000, 2000]


def _file(cache: Path, name: str, iterations: int) -> Path:
    return cache / f"{name.replace(' ', '_')}_{iterations}.npz"


def train(cache: Path, names, seeds: int, iterations: int) -> None:
    import torch

    from fasttda.nets import train_ensemble

    torch.set_num_threads(2)
    cache.mkdir(parents=True, exist_ok=True)
    for name in names:
        out = _file(cache, name, iterations)
        if out.exists():
            continue
        opt, lr, mom = SETTINGS[name]
        cps = [c for c in CHECKPOINTS if c <= iterations]
        t = time.perf_counter()
        ens = train_ensemble(
            "mnist2",
            "mnist5k",
            seeds=range(seeds),
            iterations=iterations,
            optimizer=opt,
            lr=lr,
            momentum=mom,
            checkpoints=cps,
            layers=[1, 2],
        )
        arrays = {f"w{layer}_{c}": ens.weights(layer, c) for layer in (1, 2) for c in cps}
        arrays.update({f"acc_{c}": ens.accuracy[c] for c in cps if c in ens.accuracy})
        np.savez(out, **arrays)
        print(f"{name}: {time.perf_counter() - t:.0f} s, accuracy {np.mean(ens.accuracy[cps[-1]]):.3f}", flush=True)


def table(cache: Path, names, iterations: int, **analyze_kwargs) -> str:
    import fasttda

    rows = [
        "| setting | iteration | accuracy | layer | verdict | top H1 bars | null top H1 | plane share | H/V |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        f = _file(cache, name, iterations)
        if not f.exists():
            continue
        z = np.load(f)
        for c in CHECKPOINTS:
            if f"w1_{c}" not in z or c == 0:
                continue
            acc = float(np.mean(z[f"acc_{c}"])) if f"acc_{c}" in z else float("nan")
            for layer in (1, 2):
                a = fasttda.analyze(z[f"w{layer}_{c}"], initial=z[f"w{layer}_0"], **analyze_kwargs)
                h1 = ", ".join(f"{x:.2f}" for x in a.persistence[1][:2])
                rows.append(
                    f"| {name} | {c} | {acc:.3f} | {layer} | {a.verdict} | {h1} | "
                    f"{a.null_h1_mean:.2f} ± {a.null_h1_std:.2f} | {a.plane_share:.0%} | "
                    f"{a.orientation['axis_ratio']:.1f} |"
                )
    return "\n".join(rows)


def grid(cache: Path, name: str, iterations: int) -> str:
    """The verdict of each layer and checkpoint over a grid of (k, p, contrast cut): which defaults hold."""
    import fasttda
    from fasttda.analysis import null_cut

    z = np.load(_file(cache, name, iterations))
    rows = [
        "| layer | iteration | top | k | p | core | verdict | top H1 | null cut |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for layer in (1, 2):
        for c in CHECKPOINTS[1:]:
            if f"w{layer}_{c}" not in z:
                continue
            for top in ("auto", None, 0.2):
                for k in (None, "5%", "10%"):
                    for p in (0.1, 0.3):
                        w = z[f"w{layer}_{c}"]
                        n = len(
                            fasttda.filter_vectors(
                                w,
                                top=None
                                if top is None
                                else (fasttda.analysis.default_top(w.size // 9) if top == "auto" else top),
                            )
                        )
                        kk = None if k is None else max(2, int(n * float(k[:-1]) / 100))
                        try:
                            a = fasttda.analyze(w, k=kk, p=p, top=top)
                        except ValueError as e:
                            rows.append(f"| {layer} | {c} | {top} | {kk} | {p} | - | error: {e} | | |")
                            continue
                        rows.append(
                            f"| {layer} | {c} | {a.params['top']} | {a.params['k']} | {p} | {len(a.core)} | "
                            f"{a.verdict} | {', '.join(f'{x:.2f}' for x in a.persistence[1][:3])} | "
                            f"{null_cut(a.null_h1):.2f} |"
                        )
                        print(rows[-1], flush=True)
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["train", "table", "grid"])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--settings", default=",".join(SETTINGS), help="comma-separated names of SETTINGS")
    ap.add_argument("--seeds", type=int, default=24)
    ap.add_argument("--iterations", type=int, default=1000)
    args = ap.parse_args()
    names = [s.strip() for s in args.settings.split(",")]
    if args.command == "train":
        train(args.cache, names, args.seeds, args.iterations)
    elif args.command == "grid":
        grid(args.cache, names[0], args.iterations)
    else:
        print(table(args.cache, names, args.iterations))


if __name__ == "__main__":
    main()
