"""Ensemble training against the plain per-seed PyTorch loop (same network, batch size and optimizer).

    python benchmarks/compare.py --only "train mnist2"   # the side-by-side table
    python benchmarks/stages_nets.py                     # seed-iterations/s, GFLOP/s and the fp32 GEMM rate

Both sides train seeds 0..S-1 of ``mnist2`` on ``mnist5k`` with SGD (lr 0.01) for T
iterations each, with the same initialisation and data order (``train_plain`` is the
textbook loop: one model, one optimizer, one batch at a time), in one or two torch
threads (the benchmark machine is shared; see RESULTS.md). The test set is cut to 100
images so the ensemble's final accuracy pass is a negligible part of its time.
"""

from __future__ import annotations

import sys
import time

from stage import Size, Stage, level


def _setup(seeds, batch, iterations, threads):
    def make():
        import torch

        from fasttda import nets

        torch.set_num_threads(threads)
        ds = nets.load("mnist5k")
        ds.x_test, ds.y_test = ds.x_test[:100], ds.y_test[:100]
        return dict(data=ds, seeds=seeds, batch=batch, iterations=iterations)

    return make


def sizes():
    if level() == "quick":
        return [Size("S=4 B=64 T=3 1 thread", _setup(4, 64, 3, 1))]
    return [
        Size("S=16 B=64 T=10 1 thread", _setup(16, 64, 10, 1)),
        Size("S=16 B=16 T=20 1 thread", _setup(16, 16, 20, 1)),
        Size("S=16 B=64 T=10 2 threads", _setup(16, 64, 10, 2)),
    ]


def ensemble(cfg, warmup):
    from fasttda import nets

    nets.train_ensemble(
        "mnist2",
        cfg["data"],
        seeds=range(2 if warmup else cfg["seeds"]),
        iterations=1 if warmup else cfg["iterations"],
        batch_size=cfg["batch"],
        lr=0.01,
        evaluate_at_checkpoints=False,
        device="cpu",
    )


def plain(cfg, warmup):
    from fasttda import nets

    for s in range(1 if warmup else cfg["seeds"]):
        nets.train_plain(
            "mnist2",
            cfg["data"],
            seed=s,
            iterations=1 if warmup else cfg["iterations"],
            batch_size=cfg["batch"],
            lr=0.01,
            device="cpu",
        )


STAGES = [
    Stage(
        "train mnist2",
        __name__,
        sizes,
        ensemble,
        plain,
        "per-seed torch loop",
        notes=["time for S seeds x T iterations each; ratio = seed-iterations/s of ensemble / plain"],
    )
]


def report(seeds=16, batch=64, iterations=10, threads=1) -> None:
    """One process: both trainers on the same input, then the arithmetic rate against torch.mm."""
    import torch

    from fasttda import nets
    from fasttda.nets.train import flops_per_sample

    cfg = _setup(seeds, batch, iterations, threads)()
    ensemble(cfg, True)
    plain(cfg, True)
    t = {}
    for name, fn in (("ensemble", ensemble), ("plain", plain)):
        start = time.perf_counter()
        fn(cfg, False)
        t[name] = time.perf_counter() - start
    work = seeds * iterations
    flops = 3 * flops_per_sample(nets.mnist2(), (1, 28, 28)) * batch * work  # forward + two backward products
    a = torch.randn(2048, 2048)
    b = torch.randn(2048, 2048)
    a @ b
    start = time.perf_counter()
    for _ in range(5):
        a @ b
    gemm = 5 * 2 * 2048**3 / (time.perf_counter() - start) / 1e9
    print(f"mnist2, {seeds} seeds x {iterations} iterations, batch {batch}, SGD, {threads} thread(s)")
    for name in ("ensemble", "plain"):
        print(f"  {name:<9} {t[name]:7.2f} s  {work / t[name]:7.1f} seed-it/s  {flops / t[name] / 1e9:6.1f} GFLOP/s")
    print(
        f"  ratio     {t['plain'] / t['ensemble']:.2f}x   fp32 GEMM (torch.mm 2048^2) {gemm:.1f} GFLOP/s; "
        f"ensemble reaches {flops / t['ensemble'] / 1e9 / gemm:.0%} of it"
    )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    report(*args)
