"""Size of an HTML report like the demo's: two layers by two checkpoints of pooled 3x3 filters.

    PYTHONPATH=src python benchmarks/report_size.py OUT_DIR

Builds four analyses of synthetic filters shaped like the demo's (32 networks;
layer 1: 64 out x 1 in, layer 2: 64 out x 32 in, a primary circle of edges
that sharpens with the checkpoint), writes the report into OUT_DIR and prints
the size of index.html, of the figures folder and of the whole report, and the
time taken. The demo itself trains networks for minutes; this needs none.
"""

import sys
import time
from pathlib import Path

import numpy as np

import fasttda
from fasttda import report


def layer(networks, out, inp, noise, seed):
    """(networks, out, in, 3, 3) noisy edge filters at uniform angles, plus a share of pure noise."""
    yy, xx = np.mgrid[-1:2, -1:2].astype(float)
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 2 * np.pi, (networks, out, inp))
    W = np.cos(theta)[..., None, None] * xx + np.sin(theta)[..., None, None] * yy
    W += noise * rng.normal(size=W.shape)
    return W.astype(np.float32)


def main(out):
    t0 = time.perf_counter()
    analyses = {
        (lay, ckpt): fasttda.analyze(layer(32, 64, 1 if lay == 1 else 32, noise, seed=10 * lay + ckpt))
        for lay in (1, 2)
        for ckpt, noise in ((400, 0.9), (1000, 0.4))
    }
    t1 = time.perf_counter()
    index = report.write_report(out, analyses, title="report size", params={"networks": 32})
    t2 = time.perf_counter()
    html = index.stat().st_size
    figures = sum(p.stat().st_size for p in (Path(out) / "figures").iterdir())
    print(
        f"index.html {html / 1e6:.2f} MB, figures {figures / 1e6:.2f} MB, total {(html + figures) / 1e6:.2f} MB "
        f"({len(list((Path(out) / 'figures').iterdir()))} files); analyses {t1 - t0:.1f} s, report {t2 - t1:.1f} s"
    )


if __name__ == "__main__":
    main(sys.argv[1])
