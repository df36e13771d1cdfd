"""Ensemble training on a CUDA GPU: the issue's run of 100 seeds x 2,000 iterations of mnist2,
the activation layouts and precisions behind it, and the per-seed PyTorch loop for the ratio.

    python benchmarks/gpu_nets.py [--seeds 100] [--iterations 2000] [--batch 64] [--out DIR]
    python benchmarks/gpu_nets.py --device cpu --seeds 4 --iterations 20 --probe 5   # a dry run

Everything runs in one process, so every ratio compares runs on the same card. Results go to
stdout (a table last) and, with --out, to DIR/gpu_nets.json.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from fasttda import nets
from fasttda.nets import train
from fasttda.nets.train import flops_per_sample


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def gemm_rate(dev, tf32: bool, n: int = 8192) -> float:
    """GFLOP/s of an n x n float32 matrix product (TF32 on the matrix units when tf32)."""
    old = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    n = n if dev.type == "cuda" else 1024
    a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
    a @ b
    sync(dev)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        a @ b
        sync(dev)
        times.append(time.perf_counter() - start)
    torch.backends.cuda.matmul.allow_tf32 = old
    return 2 * n**3 / float(np.median(times)) / 1e9


def ensemble_rate(ds, dev, seeds, iterations, batch, **kw) -> float:
    """Seed-iterations per second of train_ensemble, after a short run that warms cuDNN's choices."""
    common = dict(batch_size=batch, lr=0.01, evaluate_at_checkpoints=False, device=dev)
    train_kw = {k: v for k, v in kw.items() if k != "channels_last"}
    old = dict(train.CHANNELS_LAST)
    train.CHANNELS_LAST[dev.type] = kw.get("channels_last", True)
    try:
        nets.train_ensemble("mnist2", ds, seeds=range(seeds), iterations=3, **common, **train_kw)
        ens = nets.train_ensemble("mnist2", ds, seeds=range(seeds), iterations=iterations, **common, **train_kw)
    finally:
        train.CHANNELS_LAST.update(old)
    return seeds * iterations / ens.seconds


def plain_rate(ds, dev, seeds, iterations, batch) -> float:
    nets.train_plain("mnist2", ds, seed=0, iterations=3, batch_size=batch, lr=0.01, device=dev)
    sync(dev)
    start = time.perf_counter()
    for s in range(seeds):
        nets.train_plain("mnist2", ds, seed=s, iterations=iterations, batch_size=batch, lr=0.01, device=dev)
    sync(dev)
    return seeds * iterations / (time.perf_counter() - start)


def agreement(ds, dev) -> dict:
    """Largest weight differences: ensemble vs per-seed loop, GPU vs CPU, seed alone vs in a batch of 64."""
    kw = dict(iterations=30, batch_size=32, optimizer="sgd", lr=0.05, momentum=0.9)
    pair = nets.train_ensemble("mnist2", ds, seeds=[3, 7], device=dev, **kw)
    cpu = nets.train_ensemble("mnist2", ds, seeds=[3, 7], device="cpu", **kw)
    plain = nets.train_plain("mnist2", ds, seed=7, device=dev, **kw)
    many = nets.train_ensemble("mnist2", ds, seeds=range(64), device=dev, **kw)
    alone = nets.train_ensemble("mnist2", ds, seeds=[3], device=dev, **kw)
    w = pair.params["conv1.weight"]
    return {
        "ensemble_vs_plain_loop": float((w[1] - plain.conv1.weight.detach().cpu()).abs().max()),
        "gpu_vs_cpu": float((w - cpu.params["conv1.weight"]).abs().max()),
        "alone_vs_batch_of_64": float((many.params["conv1.weight"][3] - alone.params["conv1.weight"][0]).abs().max()),
        "conv1_weight_scale": float(w.abs().max()),
    }


def save(res, out) -> None:
    if out:  # after every stage, so a run cut short keeps what it measured
        with open(f"{out}/gpu_nets.json", "w") as f:
            json.dump(res, f, indent=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--probe", type=int, default=200, help="iterations of each layout/precision probe")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--stages", default="agreement,probes,full", help="comma-separated: agreement, probes, full")
    ap.add_argument("--out")
    args = ap.parse_args()
    dev = train.pick_device(args.device)
    ds = nets.load("mnist5k")
    name = torch.cuda.get_device_name() if dev.type == "cuda" else "cpu"
    print(f"torch {torch.__version__}, device {name}", flush=True)
    res: dict = {
        "torch": torch.__version__,
        "device": name,
        "seeds": args.seeds,
        "iterations": args.iterations,
        "batch": args.batch,
    }
    res["gemm_fp32_gflops"] = gemm_rate(dev, False)
    res["gemm_tf32_gflops"] = gemm_rate(dev, True)
    stages = args.stages.split(",")
    if "agreement" in stages:
        res["agreement"] = agreement(ds, dev)
        print("agreement", res["agreement"], flush=True)
        save(res, args.out)
    if "probes" not in stages:
        print(
            "per-seed loop:",
            plain_rate(ds, dev, 5, args.probe, args.batch),
            "seed-it/s; channels-last fp32:",
            ensemble_rate(ds, dev, args.seeds, args.probe, args.batch),
            "seed-it/s",
        )
        return

    probes = {}
    for label, kw in (
        ("grouped conv, channels-last, fp32", dict(channels_last=True)),
        ("grouped conv, NCHW, fp32", dict(channels_last=False)),
        ("grouped conv, channels-last, tf32", dict(channels_last=True, tf32=True)),
        ("grouped conv, NCHW, tf32", dict(channels_last=False, tf32=True)),
        ("torch.func.vmap, fp32", dict(fast=False)),
    ):
        probes[label] = ensemble_rate(ds, dev, args.seeds, args.probe, args.batch, **kw)
        print(f"{label}: {probes[label]:.0f} seed-it/s", flush=True)
    plain_seeds = max(1, min(5, args.seeds))
    probes["per-seed torch loop, fp32"] = plain_rate(ds, dev, plain_seeds, args.probe, args.batch)
    print(f"per-seed loop: {probes['per-seed torch loop, fp32']:.0f} seed-it/s", flush=True)
    res["probes"] = probes
    save(res, args.out)
    layout = max((True, False), key=lambda cl: probes[f"grouped conv, {'channels-last' if cl else 'NCHW'}, fp32"])
    res["channels_last"] = layout

    flop = 3 * flops_per_sample(nets.mnist2(), (1, 28, 28)) * args.batch
    cps = [c for c in (100, 400, 500, 1000, 2000) if c <= args.iterations] or [args.iterations]
    full = {}
    train.CHANNELS_LAST[dev.type] = layout
    for opt, lr in (("sgd", 0.01), ("adam", 1e-3)):
        for tf32 in (False, True):
            ens = nets.train_ensemble(
                "mnist2",
                ds,
                seeds=range(args.seeds),
                iterations=args.iterations,
                batch_size=args.batch,
                optimizer=opt,
                lr=lr,
                checkpoints=cps,
                device=dev,
                tf32=tf32,
            )
            acc = ens.accuracy[args.iterations]
            key = f"{opt} {'tf32' if tf32 else 'fp32'}"
            full[key] = {
                "seconds": ens.seconds,
                "seed_it_per_s": args.seeds * args.iterations / ens.seconds,
                "gflops": flop * args.seeds * args.iterations / ens.seconds / 1e9,
                "accuracy_median": float(np.median(acc)),
                "accuracy_min": float(acc.min()),
            }
            print(key, full[key], flush=True)
            res["full"] = full
            save(res, args.out)

    print(
        f"\n{name}, torch {torch.__version__}; GEMM 8192^2 fp32 {res['gemm_fp32_gflops']:.0f} GFLOP/s, "
        f"tf32 {res['gemm_tf32_gflops']:.0f} GFLOP/s"
    )
    print(f"\n| variant (S={args.seeds}, B={args.batch}, {args.probe} its) | seed-it/s | vs per-seed loop |")
    print("| --- | ---: | ---: |")
    base = probes["per-seed torch loop, fp32"]
    for label, r in probes.items():
        print(f"| {label} | {r:.0f} | {r / base:.1f}x |")
    print(
        f"\n| {args.seeds} seeds x {args.iterations} its, B={args.batch}, checkpoints {cps}, "
        f"{'channels-last' if layout else 'NCHW'} | seconds | seed-it/s | GFLOP/s | test accuracy median (min) |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for key, r in full.items():
        print(
            f"| {key} | {r['seconds']:.1f} | {r['seed_it_per_s']:.0f} | {r['gflops']:.0f} | "
            f"{r['accuracy_median']:.3f} ({r['accuracy_min']:.3f}) |"
        )


if __name__ == "__main__":
    main()
