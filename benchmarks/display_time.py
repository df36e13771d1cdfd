"""Time to show fasttda objects in a notebook (the HTML and PNG of one rendering) and to build the
interactive Mapper page.

    PYTHONPATH=src python benchmarks/display_time.py

The Analysis is the README's: the natural patches' X(300, 30%) (50,000 points,
92 Mapper nodes). The first call in a process also imports matplotlib and
loads its fonts; the median is of the 5 calls after it.
"""

import statistics
import time

import numpy as np

import fasttda


def timed(f, repeat=5):
    t = time.perf_counter()
    f()
    first = time.perf_counter() - t
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        runs.append(time.perf_counter() - t)
    return first, statistics.median(runs)


a = fasttda.analyze(fasttda.datasets.natural_patches(), k=300, norm="D")
layer = fasttda.filter_vectors(np.random.default_rng(0).normal(size=(32, 64, 1, 3, 3)))
for name, f in [
    ("Analysis._repr_mimebundle_", a._repr_mimebundle_),
    ("MapperGraph._repr_mimebundle_", a.graph._repr_mimebundle_),
    ("FilterVectors._repr_mimebundle_ (2048 filters)", layer._repr_mimebundle_),
    ("plot.mapper_html", lambda: fasttda.plot.mapper_html(a)),
    ("repr(Analysis)", lambda: repr(a)),
]:
    first, median = timed(f)
    print(f"{name:48s} first {first * 1000:7.0f} ms, then median {median * 1000:7.0f} ms")
print(
    f"sizes: Analysis HTML {len(a._repr_html_()) / 1e3:.0f} kB (PNG inside), "
    f"Mapper page {len(fasttda.plot.mapper_html(a)) / 1e3:.0f} kB"
)
