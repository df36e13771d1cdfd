"""Does analysing a sample of 50,000 filter vectors change the answer?

`analyze` samples 50,000 vectors by default, as Carlsson et al. analyse
50,000 of their 4.5 million patches. This compares, on two populations much
larger than the sample, the analysis of the whole population
(``sample=None``) with analyses of independent samples:

- ``mnist``: layer 2 of N seeds of mnist2 trained with the defaults (Adam
  1e-3, batch 64) for 1,000 iterations; N=100 gives 204,800 slices.
- ``natural``: every 3×3 patch of the scikit-image photographs, log
  intensity, the top 20% by contrast in the D-norm, as the 2008 paper makes
  them.

For each it reports the verdict and top H1 bars of the population and of each
sample, and the bottleneck distance between H1 diagrams: population against
each sample, and sample against sample (how much two samples differ from each
other: the scale against which the first is read).

    python benchmarks/sample_vs_population.py [--seeds 100] [--samples 4] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np

import fasttda

# The photographs of natural scenes and textures (not the text, drawings or binary masks).
PHOTOS = [
    "astronaut.png",
    "camera.png",
    "coffee.png",
    "chelsea.png",
    "brick.png",
    "grass.png",
    "gravel.png",
    "rocket.jpg",
    "motorcycle_left.png",
    "moon.png",
]


def mnist_population(n_seeds: int, iterations: int, cache: Path | None) -> np.ndarray:
    if cache is not None and cache.is_file():
        return np.load(cache)["w"]
    from fasttda.nets import train_ensemble

    ens = train_ensemble(
        "mnist2",
        "mnist5k",
        seeds=range(n_seeds),
        iterations=iterations,
        layers=[2],
        checkpoints=[iterations],
        evaluate_at_checkpoints=False,
    )
    w = ens.weights(2, iterations)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, w=w)
    return w


def natural_population() -> np.ndarray:
    """Every 3×3 patch of the photographs, log intensity, as (n, 3, 3) slices."""
    import skimage.io
    from skimage import data_dir

    out = []
    for name in PHOTOS:
        path = Path(data_dir) / name
        if not path.is_file():
            continue
        img = np.asarray(skimage.io.imread(path), dtype=np.float64)
        if img.ndim == 3:
            img = img[..., :3].mean(axis=2)
        img = np.log1p(img)
        win = np.lib.stride_tricks.sliding_window_view(img, (3, 3))
        out.append(win.reshape(-1, 3, 3))
    return np.concatenate(out)


def h1(a) -> np.ndarray:
    dgms = a.barcodes["dgms"]
    return dgms[1] if len(dgms) > 1 else np.empty((0, 2))


def top_bars(a, count: int = 3) -> list[float]:
    d = h1(a)
    pers = np.sort(d[:, 1] - d[:, 0])[::-1] if len(d) else np.empty(0)
    return [round(float(x), 3) for x in pers[:count]]


def compare(name: str, weights, *, n_samples: int, sample: int, **kwargs) -> dict:
    t = time.perf_counter()
    whole = fasttda.analyze(weights, sample=None, **kwargs)
    t_whole = time.perf_counter() - t
    samples = []
    for s in range(n_samples):
        samples.append(fasttda.analyze(weights, sample=sample, seed=s + 1, **kwargs))
    n_all = whole.points.shape[0]
    # The same scale: k neighbours of a sample of s points see about as far as
    # k·n/s neighbours in the n points, and the core keeps the same fraction p.
    k_s, p_s = samples[0].params["k"], samples[0].params["p"]
    k_matched = int(round(k_s * n_all / samples[0].points.shape[0]))
    t = time.perf_counter()
    matched = fasttda.analyze(weights, sample=None, k=k_matched, p=p_s, **kwargs)
    t_matched = time.perf_counter() - t
    d_pop = [fasttda.bottleneck(h1(whole), h1(a)) for a in samples]
    d_matched = [fasttda.bottleneck(h1(matched), h1(a)) for a in samples]
    d_pair = [fasttda.bottleneck(h1(a), h1(b)) for i, a in enumerate(samples) for b in samples[i + 1 :]]
    rows = {
        "population": name,
        "n": int(n_all),
        "sample": sample,
        "seconds_whole": round(t_whole, 1),
        "whole": {
            "k": whole.params["k"],
            "p": whole.params["p"],
            "verdict": whole.verdict,
            "top_h1": top_bars(whole),
            "null_h1_mean": whole.null_h1_mean,
        },
        "matched": {
            "k": k_matched,
            "p": p_s,
            "seconds": round(t_matched, 1),
            "verdict": matched.verdict,
            "top_h1": top_bars(matched),
            "null_h1_mean": matched.null_h1_mean,
        },
        "sample_k_p": [k_s, p_s],
        "samples": [{"verdict": a.verdict, "top_h1": top_bars(a), "null_h1_mean": a.null_h1_mean} for a in samples],
        "bottleneck_population_vs_sample": [round(float(x), 4) for x in d_pop],
        "bottleneck_matched_vs_sample": [round(float(x), 4) for x in d_matched],
        "bottleneck_sample_vs_sample": [round(float(x), 4) for x in d_pair],
    }
    print(json.dumps(rows, indent=1), flush=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=4)
    ap.add_argument("--sample", type=int, default=50_000)
    ap.add_argument("--which", nargs="+", default=["natural", "mnist"], choices=["natural", "mnist"])
    ap.add_argument("--cache", type=Path, help="an .npz to keep (or read) the trained layer-2 weights in")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    results = []
    if "natural" in args.which:
        results.append(
            compare(
                "natural patches (photographs, top 20%, D-norm)",
                natural_population(),
                n_samples=args.samples,
                sample=args.sample,
                top=0.2,
                norm="D",
            )
        )
    if "mnist" in args.which:
        w = mnist_population(args.seeds, args.iterations, args.cache)
        results.append(
            compare(
                f"mnist2 layer 2, {w.shape[0]} seeds, {args.iterations} iterations",
                w,
                n_samples=args.samples,
                sample=args.sample,
            )
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")
    if args.out:
        args.out.write_text(json.dumps({"results": results, "peak_rss_mb": round(peak)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
