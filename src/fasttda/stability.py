"""How sure a verdict is: the analysis rerun on resamples of the networks.

Carlsson et al. read a shape off one dense core; with filters pooled from many
trained networks the natural question is whether the shape belongs to the
population or to a few networks. ``stability`` draws the networks with
replacement (Efron's bootstrap over the unit that was sampled: a network, not a
filter), reruns the dense core, landmarks and barcodes on each resample with
the analysis' own parameters and null cut, and reports the distribution of the
top H1 persistence, the share of resamples with each verdict, and a
confidence band for the H1 diagram in the manner of Fasy et al. (2014): the
``level`` quantile c of the bottleneck distances between the resampled and the
original H1 diagrams. Bars longer than 2c stand clear of the diagonal.

A network drawn twice contributes each of its filters twice; the duplicates sit
at distance zero and shorten the codensity of their points a little, as in any
bootstrap of a point cloud. With a single network (or points given directly),
the filters themselves are resampled.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ._checks import as_int

__all__ = ["Stability", "stability"]


@dataclass
class Stability:
    """What ``stability`` found; ``verdicts`` maps each verdict to its share of the resamples.

    Parameters
    ----------
    n_boot, unit, top_h1, verdicts, band, level, distances, per_network
        The attributes below, in this order; ``per_network`` defaults to an empty list.

    Attributes
    ----------
    n_boot : int
    unit : {"network", "filter"}
        What was resampled.
    top_h1 : ndarray of shape (n_boot,)
        Top H1 persistence of each resample.
    verdicts : dict
        {verdict: share of the resamples}.
    band, level : float
        The ``level`` quantile of the bottleneck distances to the original H1 diagram.
    distances : ndarray of shape (n_boot,)
    per_network : list of dict
        Verdicts of networks analysed alone.

    Examples
    --------
    >>> import fasttda
    >>> a = fasttda.analyze(fasttda.datasets.filter_like(2000), n_landmarks=60, n_null=0)
    >>> s = a.stability(4)
    >>> s.unit, len(s.top_h1), round(sum(s.verdicts.values()), 6)
    ('filter', 4, 1.0)
    """

    n_boot: int
    unit: str  # "network" or "filter": what was resampled
    top_h1: np.ndarray  # top H1 persistence of each resample
    verdicts: dict
    band: float  # the level quantile of the bottleneck distances to the original H1 diagram
    level: float
    distances: np.ndarray  # bottleneck distance of each resample's H1 diagram to the original
    per_network: list[dict] = field(default_factory=list)  # verdicts of networks analysed alone

    def share(self, verdict: str) -> float:
        return float(self.verdicts.get(verdict, 0.0))

    def summary(self, verdict: str | None = None) -> str:
        lo, hi = np.quantile(self.top_h1, [(1 - self.level) / 2, (1 + self.level) / 2])
        head = ""
        if verdict is not None:
            head = (
                f"{verdict} in {round(self.share(verdict) * self.n_boot)} of {self.n_boot} resamples of the "
                f"{self.unit}s; "
            )
        others = ", ".join(
            f"{v} {s:.0%}" for v, s in sorted(self.verdicts.items(), key=lambda x: -x[1]) if v != verdict
        )
        text = (
            f"{head}top H1 bar {np.median(self.top_h1):.2f} (middle {self.level:.0%}: {lo:.2f}–{hi:.2f}); "
            f"{self.level:.0%} confidence band for the H1 diagram: {self.band:.2f} (bars longer than "
            f"{2 * self.band:.2f} stand clear of the diagonal)"
        )
        if others:
            text += f"; other verdicts: {others}"
        if self.per_network:
            counts = Counter(r["verdict"] for r in self.per_network)
            text += "; networks alone: " + ", ".join(f"{v} {n}" for v, n in counts.most_common())
        return text + "."

    def to_dict(self) -> dict:
        return {
            "n_boot": self.n_boot,
            "unit": self.unit,
            "top_h1": [float(x) for x in self.top_h1],
            "verdicts": self.verdicts,
            "band": self.band,
            "level": self.level,
            "distances": [float(x) for x in self.distances],
            "per_network": self.per_network,
        }


def stability(
    analysis,
    n_boot: int = 100,
    *,
    seed: int = 0,
    level: float = 0.95,
    per_network: bool = True,
    min_network_points: int = 1000,
    n_threads: int | None = None,
) -> Stability:
    """Resample the networks of an ``Analysis`` and rerun its pipeline on each resample.

    Parameters
    ----------
    analysis : Analysis
        The result of ``fasttda.analyze``; its parameters, null cut and filter
        vectors (with their networks) are reused.
    n_boot : int
        Resamples.
    seed : int
        Seed of the resampling.
    level : float
        Level of the confidence band and of the quoted range of top bars.
    per_network : bool
        Also analyse each network alone when it holds at least
        ``min_network_points`` filter vectors.

    Returns
    -------
    Stability

    Examples
    --------
    >>> import numpy as np, fasttda
    >>> a = fasttda.analyze(np.random.default_rng(0).normal(size=(8, 64, 1, 3, 3)))  # doctest: +SKIP
    >>> a.stability(20).summary(a.verdict)  # doctest: +SKIP
    """
    from .distances import bottleneck

    n_boot = as_int(n_boot, "n_boot", low=1)
    if not 0 < level < 1:
        raise ValueError(f"level must be a fraction in (0, 1), got {level}")
    P = analysis.params
    fv = analysis.filters
    if fv is not None and fv.networks > 1:
        unit, groups = "network", _groups(fv.source[:, 0])
        points = fv.points
    else:
        unit = "filter"
        points = fv.points if fv is not None else analysis.points
        groups = [np.array([i]) for i in range(len(points))]
    rng = np.random.default_rng([seed, 0xB007])
    original = analysis.barcodes["dgms"][1]
    tops, verdicts, dists = np.empty(n_boot), [], np.empty(n_boot)
    for b in range(n_boot):
        pick = rng.integers(0, len(groups), len(groups))
        idx = np.concatenate([groups[i] for i in pick]) if unit == "network" else pick
        v, top, h1 = _rerun(points[idx], P, analysis.null_h1, rng, n_threads)
        tops[b], dists[b] = top, bottleneck(h1, original)
        verdicts.append(v)
    alone = []
    if per_network and unit == "network":
        for net, g in enumerate(groups):
            if len(g) >= min_network_points:
                v, top, _ = _rerun(points[g], P, analysis.null_h1, rng, n_threads)
                alone.append({"network": int(fv.source[g[0], 0]), "verdict": v, "top_h1": top})
    shares = {v: c / n_boot for v, c in Counter(verdicts).items()}
    return Stability(n_boot, unit, tops, shares, float(np.quantile(dists, level)), level, dists, alone)


def _groups(labels: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    cuts = np.nonzero(np.diff(labels[order]))[0] + 1
    return np.split(order, cuts)


def _rerun(points, P, nulls, rng, n_threads):
    """(verdict, top H1 persistence, H1 diagram) of the analysis' pipeline on other points."""
    from . import analysis as _a

    if P.get("sample") is not None and len(points) > P["sample"]:
        points = points[np.sort(rng.choice(len(points), P["sample"], replace=False))]
    n = len(points)
    k = min(P["k"] if "k" not in P.get("defaulted", ()) else _a.default_k(n), n - 1)
    p = P["p"] if "p" not in P.get("defaulted", ()) else _a.default_p(n)
    topo = _a.topology(points, k, p, P["n_landmarks"], 1, P["coeff"], P["seed"], n_threads)
    verdict, h1 = _a.judge(points[topo.core], topo, P, nulls)
    return verdict, float(h1[0]) if len(h1) else 0.0, topo.barcodes["dgms"][1]
