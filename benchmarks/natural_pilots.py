"""Pilots for a built-in natural-image task on which layer 1 of cifar2 learns edges.

Trains cifar2 from a few seeds on one candidate task and prints, per checkpoint, the default
analysis of layer 1 (every RGB slice, and averaged over the input channels) and of layer 2,
each against its null model, as JSON lines:

    python benchmarks/natural_pilots.py natural_rotation --seeds 4 --iterations 500
    python benchmarks/natural_pilots.py natural_rotation --lr 3e-3 --candidates 4   # high-contrast crops
    python benchmarks/natural_pilots.py natural10_aug                                # which photograph, augmented

``natural10_aug``: the ten photographs of ``natural10`` as ten classes, crops at three scales,
each turned by a random quarter turn, mirrored at random and jittered in colour, so that the
class cannot be read from a crop's orientation. ``--candidates N``: each rotation crop is the
highest-contrast (grey-level standard deviation) of N random candidates.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def natural10_aug(n_train=1500, n_test=150, size=32, scales=(1, 2, 4), seed=0):
    from fasttda.nets import datasets as D

    rng = np.random.default_rng(seed)
    parts = {"train": ([], []), "test": ([], [])}
    for label, (_, name) in enumerate(D.NATURAL10):
        photo = D._read_image(D._package_file("skimage", "data", name))
        split = (3 * photo.shape[0]) // 4
        for f in scales:
            img = D._box(photo, f)
            for part, lo, hi, n in (
                ("train", 0, split // f, n_train // len(scales)),
                ("test", -(-split // f), img.shape[0], n_test // len(scales)),
            ):
                if hi - lo < size:
                    continue
                r, c = rng.integers(lo, hi - size + 1, n), rng.integers(0, img.shape[1] - size + 1, n)
                for i, j in zip(r, c):
                    crop = np.rot90(img[i : i + size, j : j + size].astype(np.float32), rng.integers(4))
                    if rng.random() < 0.5:
                        crop = crop[:, ::-1]
                    crop = np.clip(crop * rng.uniform(0.7, 1.3, 3) + rng.uniform(-20, 20), 0, 255)
                    parts[part][0].append(crop.round().astype(np.uint8).transpose(2, 0, 1))
                    parts[part][1].append(label)
    return D._finish(
        "natural10_aug",
        np.stack(parts["train"][0]),
        np.array(parts["train"][1]),
        np.stack(parts["test"][0]),
        np.array(parts["test"][1]),
        [n for n, _ in D.NATURAL10],
    )


def high_contrast_rotation(candidates: int, seed=0):
    """natural_rotation with every crop the highest-contrast of `candidates` random ones."""
    from fasttda.nets import datasets as D

    real = D.load_natural_rotation(n_train=300 * candidates, n_test=30 * candidates, seed=seed)
    out = []
    for x, y, n_keep in ((real.x_train, real.y_train, 300), (real.x_test, real.y_test, 30)):
        raw = x * torch_tensor(real.std)[:, None, None] + torch_tensor(real.mean)[:, None, None]
        upright = raw[y == 0]  # the crops, in (photograph, scale) blocks of n_keep * candidates
        block = n_keep * candidates
        keep = []
        for b in range(len(upright) // block):
            contrast = upright[b * block : (b + 1) * block].mean(dim=1).std(dim=(1, 2)).numpy()
            keep += sorted((b * block + np.argsort(contrast)[::-1][:n_keep]).tolist())
        crops = (upright[keep] * 255).round().clamp(0, 255).byte().numpy()
        imgs = np.concatenate([np.rot90(crops, k, axes=(2, 3)) for k in range(4)])
        out += [imgs, np.repeat(np.arange(4), len(crops))]
    return D._finish("natural_rotation_hc", *out, D.ROTATIONS)


def torch_tensor(values):
    import torch

    return torch.tensor(values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("task", help="natural10, natural_rotation or natural10_aug")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=500)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--candidates", type=int, default=1)
    args = ap.parse_args()

    import torch

    from fasttda import analyze
    from fasttda.nets import datasets, train

    torch.set_num_threads(1)
    if args.task == "natural10_aug":
        data = natural10_aug()
    elif args.task == "natural_rotation" and args.candidates > 1:
        data = high_contrast_rotation(args.candidates)
    else:
        data = datasets.load(args.task)
    checkpoints = sorted({0, 100, args.iterations})
    start = time.perf_counter()
    ens = train.train_ensemble(
        "cifar2",
        data,
        seeds=range(args.seeds),
        iterations=args.iterations,
        checkpoints=checkpoints,
        layers=[1, 2],
        device="cpu",
        lr=args.lr,
    )
    print(f"{data}: trained in {time.perf_counter() - start:.0f} s", flush=True)
    for cp in checkpoints:
        for layer, channels in ((1, "each"), (1, "mean"), (2, "each")):
            w, w0 = ens.weights(layer, cp), ens.weights(layer, 0)
            if channels == "mean":
                w, w0 = w.mean(axis=2, keepdims=True), w0.mean(axis=2, keepdims=True)
            a = analyze(w, initial=w0 if cp else None)
            print(
                json.dumps(
                    {
                        "checkpoint": cp,
                        "accuracy": float(np.mean(ens.accuracy[cp])),
                        "layer": layer,
                        "channels": channels,
                        "filters": len(a.points),
                        "verdict": a.verdict,
                        "top_h1": [round(float(x), 3) for x in a.persistence[1][:2]],
                        "null": [round(a.null_h1_mean, 3), round(a.null_h1_std, 3)],
                        "plane_share": round(a.plane_share, 2),
                        "hv": round(a.orientation["axis_ratio"], 2),
                        "shares": {k: round(v, 2) for k, v in a.shares.items()},
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
