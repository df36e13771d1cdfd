"""The seed's Figures 4 and 5 on natural images: what the default analysis finds in a trained study.

Train the shipped study first (tens of minutes on two cores), then read it:

    fasttda study run --config natural_evolution --workers 2 --out DIR
    python benchmarks/natural_evolution.py DIR --figures docs           # table, evolution rows, figures

For every (layer, checkpoint) the table gives the test accuracy, the verdict of the default
analysis (layer 1 both with every RGB slice and with the filters averaged over their inputs),
the top H1 bars against the untrained filters' (the null model), the plane share, the H/V
ratio and the share of the core near the primary circle, the three circles and the Klein
bottle. ``Study.evolution`` gives each layer's top bar over training with the spread over
random halves of the networks; ``plot.evolution`` and ``plot.evolution_grid`` draw them.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def row(study, layer, cp, channels, **kwargs) -> tuple[str, object]:
    a = study.analyze(layer, cp, channels=channels, **kwargs)
    h1 = a.persistence[1]
    acc = study.accuracy_at(cp)
    s = a.shares
    moved = "" if a.moved is None else f"{a.moved:.2f}"
    line = (
        f"| {cp} | {acc.mean():.3f} | {layer} | {channels} | {len(a.points)} | {a.verdict} | "
        f"{', '.join(f'{x:.2f}' for x in h1[:2])} | {a.null_h1_mean:.2f} ± {a.null_h1_std:.2f} | "
        f"{a.plane_share:.0%} | {a.orientation['axis_ratio']:.1f} | {s['circle']:.0%} | {s['three_circle']:.0%} | "
        f"{s['klein']:.0%} | {moved} |"
    )
    return line, a


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("study", type=Path, help="the study folder")
    ap.add_argument("--figures", type=Path, default=None, help="folder for the PNG figures")
    ap.add_argument("--halves", type=int, default=8, help="random halves of the networks per cell (spread)")
    ap.add_argument(
        "--layer1",
        choices=("each", "mean"),
        default="mean",
        help="how the evolution, the grid and the small-k check read layer 1 (default mean: the "
        "filters averaged over the RGB inputs); layer 2 is read slice by slice",
    )
    ap.add_argument("--no-table", action="store_true", help="skip the table")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()

    import fasttda

    study = fasttda.load_study(args.study)
    print(study)
    t0 = time.perf_counter()
    if not args.no_table:
        print(
            "| iteration | accuracy | layer | channels | filters | verdict | top H1 bars | null top H1 | plane share "
            "| H/V | circle | three circles | Klein | moved |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for layer in study.layers:
            for cp in study.checkpoints:
                for channels in ("each", "mean") if layer == 1 else ("each",):
                    print(row(study, layer, cp, channels, n_threads=args.threads)[0], flush=True)
    # The 2008 paper's three-circle setting (a small k) on the last checkpoint of layer 1, Z/2 and Z/3.
    last = study.checkpoints[-1]
    for coeff in (2, 3):
        a = study.analyze(1, last, k=15, coeff=coeff, channels=args.layer1, n_threads=args.threads)
        print(
            f"layer 1 ({args.layer1}), iteration {last}, X(15, {a.params['p']:.0%}), Z/{coeff}: {a.verdict}; H1 bars "
            f"{', '.join(f'{x:.2f}' for x in a.persistence[1][:6])}; null {a.null_h1_mean:.2f} ± {a.null_h1_std:.2f}"
        )
    print(f"analyses: {time.perf_counter() - t0:.0f} s", flush=True)

    t0 = time.perf_counter()
    rows = [
        r
        for layer in study.layers
        for r in study.evolution(
            [layer], n_halves=args.halves, n_threads=args.threads, channels=args.layer1 if layer == 1 else "each"
        )
    ]
    analyses = {
        (layer, cp): study.analyze(layer, cp, channels=args.layer1 if layer == 1 else "each", n_threads=args.threads)
        for layer in study.layers
        for cp in study.checkpoints
    }
    print(f"evolution: {time.perf_counter() - t0:.0f} s")
    for r in rows:
        halves = r["halves_top_h1"]
        print(
            f"layer {r['layer']} iteration {r['checkpoint']}: top H1 {r['top_h1']:.2f} (halves "
            f"{min(halves):.2f}-{max(halves):.2f}), null {r['null_h1_mean']:.2f} ± {r['null_h1_std']:.2f}, "
            f"cut {r['null_cut']:.2f}: {r['verdict']}"
        )
    if args.figures is not None:
        import matplotlib

        matplotlib.use("Agg")
        args.figures.mkdir(parents=True, exist_ok=True)
        (args.figures / "natural_evolution.json").write_text(json.dumps(rows, indent=1))
        fig = fasttda.plot.evolution(
            rows,
            title=f"{study.config.model} on {study.config.dataset}, {len(study.done)} seeds (layer 1: {args.layer1})",
        )
        fig.savefig(args.figures / "natural_evolution.png", dpi=90, bbox_inches="tight")
        grid = fasttda.plot.evolution_grid(analyses, max_filters=8, cell_size=(2.6, 3.0))
        grid.savefig(args.figures / "natural_evolution_grid.png", dpi=70, bbox_inches="tight")
        for name in ("natural_evolution.png", "natural_evolution_grid.png"):
            print(f"{args.figures / name}: {(args.figures / name).stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
