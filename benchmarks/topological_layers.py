"""Circle and Klein bottle first layers against a learned one, side by side in one run.

For each first layer (learned = the seed's ``mnist2`` or ``cifar2``; ``circle`` and ``klein``
with fixed, evenly spread angles; ``circle_learned`` and ``klein_learned`` with trained
angles) it trains the same seeds on ``--dataset`` (mnist5k: 4,000 training digits, 1,000
held-out test digits; natural10: 5,000 colour crops of ten photographs, 1,000 test crops)
and on a class-balanced subset of its training split (``--small`` images), all seeds of a
variant at once (``train_ensemble``), and measures:

- test accuracy at 25, 50, 100, 200, 500 and 1000 iterations (mean, std, min, max over seeds);
- generalisation of the full-data networks to held-out images in a form never seen in
  training: rotated 30°, Gaussian noise (σ = 0.3 of the pixel range), contrast halved about
  mid-grey, shifted 3 px right and down; the drop from the clean test accuracy;
- cost: seconds per training iteration of every variant (median step-to-step interval after
  warm-up, median over interleaved runs; see ``cost``);
- layer 2 with ``fasttda.analyze`` at a few checkpoints, for the learned and the Klein first
  layer: verdict, top H1 persistence and the null's cut.

``--variants`` takes any network of ``fasttda.nets.models``, e.g. ``mnist2_circle_local`` and
``mnist2_klein_local`` (the fixed first layer with the localised second layer, ``LocalisedConv2d``).

Writes a JSON file and a figure (accuracy against iterations with min–max bands) and prints
markdown tables; parts run in separate processes are merged with ``--from-json``. Run under
``nice`` on a shared machine:

    nice -n 10 python benchmarks/topological_layers.py --seeds 16 --out benchmarks/topological_layers.json
    nice -n 10 python benchmarks/topological_layers.py --dataset natural10 --small 0 --layer2 "" \
        --out benchmarks/topological_layers_natural10.json --figure benchmarks/topological_layers_natural10.png
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import fasttda
from fasttda import nets
from fasttda.nets import datasets

CHECKPOINTS = [25, 50, 100, 200, 500, 1000]
NETWORK = {"mnist5k": "mnist2", "natural10": "cifar2"}  # the seed's network for each data set
VARIANT_SUFFIXES = ["", "_circle", "_klein", "_circle_learned", "_klein_learned"]


def subset(ds: datasets.Dataset, per_class: int, seed: int = 0) -> datasets.Dataset:
    """A class-balanced subset of the training split (the test split unchanged)."""
    rng = np.random.default_rng(seed)
    y = ds.y_train.numpy()
    keep = np.sort(np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(10)]))
    idx = torch.as_tensor(keep)
    return datasets.Dataset(
        f"{ds.name}[{len(keep)}]",
        ds.x_train[idx].contiguous(),
        ds.y_train[idx],
        ds.x_test,
        ds.y_test,
        ds.classes,
        ds.mean,
        ds.std,
    )


def test_subset(ds: datasets.Dataset, every: int) -> datasets.Dataset:
    """Every ``every``-th test image (the test split is sorted by digit, so this keeps the classes balanced)."""
    if every <= 1:
        return ds
    idx = torch.arange(0, len(ds.x_test), every)
    return datasets.Dataset(
        ds.name, ds.x_train, ds.y_train, ds.x_test[idx].contiguous(), ds.y_test[idx], ds.classes, ds.mean, ds.std
    )


def transformed(ds: datasets.Dataset, seed: int = 0) -> dict[str, torch.Tensor]:
    """The test images in forms the networks never saw, renormalised as the dataset normalises."""
    mean = torch.tensor(ds.mean)[:, None, None]
    std = torch.tensor(ds.std)[:, None, None]
    raw = ds.x_test * std + mean  # back to [0, 1] pixels, per channel
    n = len(raw)
    a = math.radians(30)
    theta = torch.tensor([[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0]]).expand(n, 2, 3)
    grid = F.affine_grid(theta, raw.shape, align_corners=False)
    rotated = F.grid_sample(raw, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    g = torch.Generator().manual_seed(seed)
    noisy = (raw + 0.3 * torch.randn(raw.shape, generator=g)).clamp(0, 1)
    low = 0.5 * raw + 0.25
    shifted = torch.zeros_like(raw)
    shifted[:, :, 3:, 3:] = raw[:, :, :-3, :-3]
    out = {"clean": raw, "rotated 30°": rotated, "noise σ=0.3": noisy, "contrast ×0.5": low, "shifted 3 px": shifted}
    return {k: ((v - mean) / std).contiguous() for k, v in out.items()}


@torch.no_grad()
def accuracy(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    net.eval()
    correct = 0
    for b in range(0, len(x), 500):
        correct += int((net(x[b : b + 500]).argmax(1) == y[b : b + 500]).sum())
    return correct / len(x)


def stats(values) -> dict:
    v = np.asarray(values, dtype=float)
    return {
        "mean": float(v.mean()),
        "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
        "min": float(v.min()),
        "max": float(v.max()),
        "values": [float(x) for x in v],
    }


def layer2(ens, iteration: int, n_null: int) -> dict:
    fv = nets.layer_filters(ens, layer=2, iteration=iteration)
    a = fasttda.analyze(fv, n_null=n_null, seed=0, sample=20_000)
    h1 = a.persistence[1] if len(a.persistence) > 1 else np.empty(0)
    from fasttda.analysis import null_cut

    return {
        "iteration": iteration,
        "n_filters": int(len(a.points)),
        "verdict": a.verdict,
        "top_h1": float(h1[0]) if len(h1) else 0.0,
        "second_h1": float(h1[1]) if len(h1) > 1 else 0.0,
        "long_h1": int(a.long_bars[1]),
        "null_h1_mean": a.null_h1_mean,
        "null_h1_std": a.null_h1_std,
        "null_cut": float(null_cut(a.null_h1)),
        "cover_radius": float(a.cover_radius),
        "circle_share": float(a.shares["circle"]),
        "plane_share": float(a.plane_share),
    }


def cost(models: list[str], data, seeds: int, iterations: int, repeats: int, batch_size: int, warmup: int = 5) -> dict:
    """Seconds per training iteration of each model, robust to a shared machine's load.

    The trainer's callback stamps the wall clock and the process's CPU time after every
    optimizer step. A run's figure is the median of its step-to-step intervals after
    ``warmup`` steps (the first steps allocate memory and build kernels, and a median
    ignores the steps another process took the cores from); the runs of the models are
    interleaved (a, b, c, a, b, c, …) and the median over runs is reported, with the
    minimum (the least disturbed run) and the CPU seconds per step. No evaluation is timed.
    """
    if iterations < warmup + 3:
        raise ValueError(f"cost needs at least {warmup + 3} iterations, got {iterations}")
    wall = {m: [] for m in models}
    cpu = {m: [] for m in models}
    load = []
    tiny = datasets.Dataset(
        data.name, data.x_train, data.y_train, data.x_test[:10], data.y_test[:10], data.classes, data.mean, data.std
    )  # the trainer's final evaluation, kept out of the timing anyway
    for _ in range(repeats):
        for m in models:
            stamps = []
            nets.train_ensemble(
                m,
                tiny,
                seeds=range(seeds),
                iterations=iterations,
                checkpoints=[],
                evaluate_at_checkpoints=False,
                batch_size=batch_size,
                device="cpu",
                layers=[1],
                callback=lambda it: stamps.append((time.perf_counter(), time.process_time())),
            )
            if len(stamps) != iterations:  # one stamp per optimizer step, or the divisor is wrong
                raise RuntimeError(f"the callback ran {len(stamps)} times in {iterations} iterations")
            t = np.diff(np.array(stamps[warmup:]), axis=0)
            wall[m].append(float(np.median(t[:, 0])))
            cpu[m].append(float(np.median(t[:, 1])))
            load.append(os.getloadavg()[0])
    return {
        "per_model": {
            m: {
                "median_s": float(np.median(wall[m])),
                "min_s": float(np.min(wall[m])),
                "all_s": wall[m],
                "cpu_median_s": float(np.median(cpu[m])),
            }
            for m in models
        },
        "warmup": warmup,
        "load_average": {"min": float(min(load)), "max": float(max(load))},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="mnist5k", choices=["mnist5k", "natural10"])
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--test-every", type=int, default=1, help="use every n-th test digit (balanced classes)")
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--small", type=int, default=500, help="training images of the small-data run (0 = skip)")
    ap.add_argument("--small-iterations", type=int, default=None, help="iterations of the small-data run")
    ap.add_argument("--variants", default=None, help="default: the five first layers on the dataset's network")
    ap.add_argument("--small-variants", default=None, help="variants of the small-data run (default --variants)")
    ap.add_argument("--layer2", default="100,500,1000", help="checkpoints at which layer 2 is analysed")
    ap.add_argument("--layer2-variants", default=None, help="default: the learned and the fixed Klein first layer")
    ap.add_argument("--n-null", type=int, default=3)
    ap.add_argument("--cost-seeds", type=int, default=16)
    ap.add_argument("--cost-variants", default=None, help="default: --variants")
    ap.add_argument("--cost-iterations", type=int, default=30)
    ap.add_argument("--cost-repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--cost-only", action="store_true", help="measure only the cost per iteration")
    ap.add_argument("--small-only", action="store_true", help="only the small-data runs")
    ap.add_argument(
        "--from-json",
        default=None,
        help="write the figure and tables of saved results (comma-separated files, merged), train nothing",
    )
    ap.add_argument("--out", default="benchmarks/topological_layers.json")
    ap.add_argument("--figure", default="benchmarks/topological_layers.png")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.from_json:
        result = merge([json.loads(Path(f).read_text()) for f in args.from_json.split(",")])
        Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False))
        if result["runs"]:
            figure(result, args.figure)
        print(tables(result))
        return
    net = NETWORK[args.dataset]
    variants = (args.variants or ",".join(net + s for s in VARIANT_SUFFIXES)).split(",")
    small_variants = args.small_variants.split(",") if args.small_variants else variants
    cps = [c for c in CHECKPOINTS if c <= args.iterations]
    if args.iterations not in cps:
        cps.append(args.iterations)
    l2_its = [int(c) for c in args.layer2.split(",") if c and int(c) in cps]
    l2_variants = (args.layer2_variants or f"{net},{net}_klein").split(",") if l2_its else []
    full = test_subset(datasets.load(args.dataset), args.test_every)
    tests = transformed(full)
    result = {
        "dataset": args.dataset,
        "seeds": args.seeds,
        "iterations": args.iterations,
        "batch_size": args.batch_size,
        "optimizer": "adam, lr 1e-3",
        "train_images": {"full": len(full.x_train)},
        "test_images": len(full.x_test),
        "command": "python benchmarks/topological_layers.py " + " ".join(__import__("sys").argv[1:]),
        "runs": {},
        "generalisation": {},
        "layer2": {},
        "cost": {},
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
    }
    started = time.time()

    def save():
        Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False))

    plans = [] if args.cost_only or args.small_only else [("full", full, variants, args.iterations, cps)]
    if args.small and not args.cost_only:
        small = subset(full, args.small // 10)
        result["train_images"]["small"] = len(small.x_train)
        s_its = args.small_iterations or args.iterations
        s_cps = [c for c in cps if c <= s_its] + ([s_its] if s_its not in cps else [])
        plans.append(("small", small, small_variants, s_its, s_cps))
    for tag, data, models, iterations, checkpoints in plans:
        for m in models:
            t0 = time.perf_counter()
            layers = [2] if tag == "full" and m in l2_variants else [1]
            ens = nets.train_ensemble(
                m,
                data,
                seeds=range(args.seeds),
                iterations=iterations,
                checkpoints=checkpoints,
                layers=layers,
                batch_size=args.batch_size,
                device="cpu",
                callback=lambda it, m=m: it % 100 == 0 and print(f"    {m}: {it} iterations", flush=True),
            )
            run = {
                "accuracy": {str(it): stats(acc) for it, acc in sorted(ens.accuracy.items())},
                "train_seconds": ens.seconds,
                "final_loss": stats(ens.loss[-20:].mean(0)),
            }
            result["runs"].setdefault(tag, {})[m] = run
            print(
                f"[{time.time() - started:6.0f} s] {tag} {m}: "
                + ", ".join(f"{it}: {s['mean']:.3f}±{s['std']:.3f}" for it, s in run["accuracy"].items()),
                flush=True,
            )
            if tag == "full":
                per = {name: [] for name in tests}
                for s in ens.seeds:
                    net = ens.network(s)
                    for name, x in tests.items():
                        per[name].append(accuracy(net, x, full.y_test))
                clean = np.array(per["clean"])
                result["generalisation"][m] = {
                    name: {**stats(v), "drop": stats(clean - np.array(v))} for name, v in per.items()
                }
                print(
                    "    generalisation: "
                    + ", ".join(
                        f"{k}: {v['mean']:.3f} (drop {v['drop']['mean']:.3f})"
                        for k, v in result["generalisation"][m].items()
                    ),
                    flush=True,
                )
                if m in l2_variants:
                    result["layer2"][m] = []
                    for it in l2_its:
                        row = layer2(ens, it, args.n_null)
                        result["layer2"][m].append(row)
                        print(
                            f"    layer 2 @ {it}: {row['verdict']}; top H1 {row['top_h1']:.3f} "
                            f"(null cut {row['null_cut']:.3f}), circle share {row['circle_share']:.2f}",
                            flush=True,
                        )
            save()
            del ens
            print(f"    ({time.perf_counter() - t0:.0f} s)", flush=True)
    if args.cost_repeats:
        result["cost"] = {
            "seeds": args.cost_seeds,
            "iterations": args.cost_iterations,
            "batch_size": args.batch_size,
            "threads": torch.get_num_threads(),
            **cost(
                (args.cost_variants or ",".join(variants)).split(","),
                full,
                args.cost_seeds,
                args.cost_iterations,
                args.cost_repeats,
                args.batch_size,
            ),
        }
        print(
            "cost: "
            + ", ".join(f"{m}: {v['median_s'] * 1000:.0f} ms/it" for m, v in result["cost"]["per_model"].items()),
            flush=True,
        )
    result["wall_seconds"] = time.time() - started
    save()
    if result["runs"]:
        figure(result, args.figure)
    print(tables(result))


def merge(results: list[dict]) -> dict:
    """One result from the parts of a run that were measured in separate processes.

    The same model in two parts: the longer accuracy curve is kept (a shorter run of the same
    seeds is its prefix); layer-2 rows are united by iteration; the later part's generalisation
    takes the model's name and an earlier one stays as "model (N it)".
    """
    out = dict(results[0])
    # a merged file keeps the commands of its parts, so merging it again loses none
    out["commands"] = [c for r in results for c in (r.get("commands") or [r.get("command")])]
    out["runs"], out["generalisation"], out["layer2"], out["train_images"] = {}, {}, {}, {}
    for r in results:
        out["train_images"].update(r.get("train_images", {}))
        for tag, runs in r.get("runs", {}).items():
            for m, run in runs.items():
                old = out["runs"].setdefault(tag, {}).get(m)
                if old is None or len(run["accuracy"]) > len(old["accuracy"]):
                    out["runs"][tag][m] = run
        for m, g in r.get("generalisation", {}).items():
            if m in out["generalisation"]:
                out["generalisation"][f"{m} ({out['generalisation'][m]['iterations']} it)"] = out["generalisation"][m]
            out["generalisation"][m] = {"iterations": r["iterations"], **g}  # a merged part keeps its own
        for m, rows in r.get("layer2", {}).items():
            by_it = {row["iteration"]: row for row in out["layer2"].get(m, [])} | {
                row["iteration"]: row for row in rows
            }
            out["layer2"][m] = [by_it[k] for k in sorted(by_it)]
    out["cost"] = next((r["cost"] for r in results if r.get("cost")), {})
    return out


LABEL = {
    net + suffix: label
    for net in NETWORK.values()
    for suffix, label in zip(
        [*VARIANT_SUFFIXES, "_circle_local", "_klein_local"],
        [
            "learned (standard)",
            "circle (fixed)",
            "Klein (fixed)",
            "circle (learned angles)",
            "Klein (learned angles)",
            "circle + localised layer 2",
            "Klein + localised layer 2",
        ],
    )
}


def label(m: str) -> str:
    """The first layer's name for a model, keeping any suffix such as " (1000 it)"."""
    name, _, rest = m.partition(" ")
    return LABEL.get(name, name) + (f" {rest}" if rest else "")


def figure(result: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tags = [t for t in ("full", "small") if t in result["runs"]]
    fig, axes = plt.subplots(1, len(tags), figsize=(5.5 * len(tags), 4), squeeze=False, sharey=True)
    for ax, tag in zip(axes[0], tags):
        for m, run in result["runs"][tag].items():
            its = [int(i) for i in run["accuracy"]]
            mean = np.array([run["accuracy"][str(i)]["mean"] for i in its])
            lo = np.array([run["accuracy"][str(i)]["min"] for i in its])
            hi = np.array([run["accuracy"][str(i)]["max"] for i in its])
            (line,) = ax.plot(its, mean, marker="o", ms=3, label=label(m))
            ax.fill_between(its, lo, hi, color=line.get_color(), alpha=0.2)
        ax.set_xscale("log")
        ax.set_xlabel(f"training iterations (batch {result['batch_size']})")
        ax.set_title(f"{result.get('dataset', 'mnist5k')}, {result['train_images'][tag]} training images")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(f"test accuracy (mean, min–max over {result['seeds']} seeds)")
    axes[0][0].legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def tables(result: dict) -> str:
    out = []
    for tag, runs in result["runs"].items():
        its = list(next(iter(runs.values()))["accuracy"])
        out.append(
            f"\nTest accuracy, {result.get('dataset', 'mnist5k')}, {result['train_images'][tag]} training images "
            f"(mean ± std over {result['seeds']} seeds)\n"
        )
        out.append("| first layer | " + " | ".join(its) + " |")
        out.append("|---|" + "---|" * len(its))
        for m, run in runs.items():
            out.append(
                f"| {label(m)} | "
                + " | ".join(
                    f"{run['accuracy'][i]['mean']:.3f} ± {run['accuracy'][i]['std']:.3f}"
                    if i in run["accuracy"]
                    else ""
                    for i in its
                )
                + " |"
            )
    if result["generalisation"]:
        names = [n for n in next(iter(result["generalisation"].values())) if n not in ("clean", "iterations")]
        out.append("\nGeneralisation: accuracy on transformed test images (drop from clean), mean ± std\n")
        out.append("| first layer | iterations | clean | " + " | ".join(names) + " |")
        out.append("|---|---|---|" + "---|" * len(names))
        for m, g in result["generalisation"].items():
            out.append(
                f"| {label(m.split(' ')[0])} | {g.get('iterations', result['iterations'])} | "
                f"{g['clean']['mean']:.3f} | "
                + " | ".join(
                    f"{g[n]['mean']:.3f} ({g[n]['drop']['mean']:+.3f} ± {g[n]['drop']['std']:.3f})" for n in names
                )
                + " |"
            )
    if result["cost"]:
        c = result["cost"]
        out.append(
            f"\nCost: seconds per iteration, {c['seeds']} seeds at once, batch {c.get('batch_size', '')} (median of "
            f"{len(next(iter(c['per_model'].values()))['all_s'])} interleaved runs of {c['iterations']})\n"
        )
        out.append("| first layer | wall s / iteration | relative | CPU s / iteration | relative |")
        out.append("|---|---|---|---|---|")
        first = next(iter(c["per_model"].values()))  # the learned layer
        for m, v in c["per_model"].items():
            cpu = v.get("cpu_median_s")
            out.append(
                f"| {label(m)} | {v['median_s']:.3f} | {v['median_s'] / first['median_s']:.2f} | "
                + (f"{cpu:.3f} | {cpu / first['cpu_median_s']:.2f} |" if cpu else " | |")
            )
        if "load_average" in c:
            out.append(
                f"\n(load average {c['load_average']['min']:.1f}–{c['load_average']['max']:.1f}, "
                f"{c['threads']} threads)"
            )
    if result["layer2"]:
        out.append("\nLayer 2 (fasttda.analyze): verdict, top H1 persistence against the null's cut\n")
        out.append(
            "| first layer | iteration | verdict | top H1 | 2nd H1 | null cut | covering radius | circle share |"
        )
        out.append("|---|---|---|---|---|---|---|---|")
        for m, rows in result["layer2"].items():
            for r in rows:
                out.append(
                    f"| {label(m)} | {r['iteration']} | {r['verdict']} | {r['top_h1']:.3f} | "
                    f"{r['second_h1']:.3f} | {r['null_cut']:.3f} | "
                    + (f"{r['cover_radius']:.3f}" if "cover_radius" in r else "–")
                    + f" | {r['circle_share']:.2f} |"
                )
    return "\n".join(out)


if __name__ == "__main__":
    main()
