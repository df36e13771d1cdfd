"""Every conv layer of a VGG16-shaped network through analyze_layers: wall time and peak memory.

The 13 conv layers of VGG16 (3→64, 64→64, 64→128, ..., 512→512, all 3×3),
1,634,496 slices in all, as random float32 He-initialised kernels (seeded):
the shapes and count of a real VGG16, without downloading one. Each layer
goes through ``analyze`` with its defaults (a random sample of at most 50,000
filter vectors, X(min(300, n/10), 30%), 300 landmarks, H0+H1, a pca2 Mapper
graph). Prints one line per layer and the totals; the peak resident memory is
the process's (``resource.getrusage``), so it includes Python, numpy and the
input arrays themselves.

    PYTHONPATH=src python benchmarks/vgg16_layers.py --threads 2
"""

import argparse
import resource
import time

import numpy as np

import fasttda

# (out, in) channels of VGG16's conv layers, in order (Simonyan & Zisserman 2015, configuration D).
VGG16 = [
    (64, 3),
    (64, 64),
    (128, 64),
    (128, 128),
    (256, 128),
    (256, 256),
    (256, 256),
    (512, 256),
    (512, 512),
    (512, 512),
    (512, 512),
    (512, 512),
    (512, 512),
]


def vgg16_weights(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    names = [f"features.{i}.weight" for i in (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)]
    return {
        name: (rng.standard_normal((o, c, 3, 3), dtype=np.float32) * np.float32(np.sqrt(2 / (9 * c))))
        for name, (o, c) in zip(names, VGG16)
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    weights = vgg16_weights()
    n = sum(w.shape[0] * w.shape[1] for w in weights.values())
    print(
        f"VGG16-shaped network: {len(weights)} conv layers, {n:,} 3x3 slices; {args.threads} threads; "
        f"peak RSS before: {peak_rss_mb():.0f} MB",
        flush=True,
    )
    fasttda.analyze(weights["features.0.weight"], n_landmarks=50)  # compile the numba kernels first
    times = {}
    last = [time.perf_counter()]

    def report(name, a, reason):
        now = time.perf_counter()
        times[name] = now - last[0]
        last[0] = now
        shape = "x".join(map(str, weights[name].shape))
        print(f"  {name:<18} {shape:<12} {times[name]:6.1f} s  {a.verdict if a else reason}", flush=True)

    start = time.perf_counter()
    result = fasttda.analyze_layers(weights, n_threads=args.threads, progress=report)
    wall = time.perf_counter() - start
    print(f"total: {wall:.1f} s wall for {len(result)} layers ({n:,} slices); peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
