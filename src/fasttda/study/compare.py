"""Studies compared: distances between the persistence diagrams of a study's analyses.

``study.compare()`` gives, as matrices of bottleneck (or Wasserstein) distances between H1 diagrams,
how much each layer's topology changes between checkpoints, how far apart the layers are at each
checkpoint, and how much it varies from one seed (network) to another. ``compare_studies(a, b)`` puts
two studies side by side (two optimizers, say): for each (layer, checkpoint) they share, the distance
between their pooled diagrams, and each study's own matrices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Comparison", "DistanceMatrix", "StudiesComparison", "compare", "compare_studies"]

METRICS = ("bottleneck", "wasserstein")


@dataclass
class DistanceMatrix:
    """One symmetric matrix of diagram distances, its rows and columns named by ``labels``.

    ``kind`` is what the rows are ("checkpoints", "layers" or "seeds"); ``layer`` and ``checkpoint``
    say what was held fixed (None when it varies along the rows).

    Parameters
    ----------
    kind : {"checkpoints", "layers", "seeds"}
        What the rows and columns are.
    labels : list of str
        A name per row, such as ``"it 10"``, ``"layer 1"`` or ``"seed 3"``.
    matrix : numpy.ndarray
        (n, n) symmetric distances; ``inf`` between diagrams whose essential points differ in number.
    layer : int, optional
        The layer held fixed (for ``"checkpoints"`` and ``"seeds"``).
    checkpoint : int, optional
        The checkpoint held fixed (for ``"layers"`` and ``"seeds"``).

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.study.compare import DistanceMatrix
    >>> m = DistanceMatrix("checkpoints", ["it 0", "it 10"], np.array([[0.0, 0.25], [0.25, 0.0]]), layer=1)
    >>> print(m.table(digits=2))
    layer 1, between checkpoints
                it 0   it 10
    it 0        0.00   0.25
    it 10       0.25   0.00
    >>> DistanceMatrix.from_dict(m.to_dict()).labels
    ['it 0', 'it 10']
    """

    kind: str
    labels: list[str]
    matrix: np.ndarray
    layer: int | None = None
    checkpoint: int | None = None

    @property
    def title(self) -> str:
        fixed = {
            "checkpoints": f"layer {self.layer}",
            "layers": f"iteration {self.checkpoint}",
            "seeds": f"layer {self.layer} at iteration {self.checkpoint}",
        }[self.kind]
        return f"{fixed}, between {self.kind}"

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "layer": self.layer,
            "checkpoint": self.checkpoint,
            "labels": list(self.labels),
            "matrix": [[_number(v) for v in row] for row in np.asarray(self.matrix)],
        }

    @classmethod
    def from_dict(cls, d: dict) -> DistanceMatrix:
        matrix = np.array([[math.inf if v is None else float(v) for v in row] for row in d["matrix"]], dtype=float)
        return cls(
            d["kind"],
            list(d["labels"]),
            matrix.reshape(len(d["labels"]), len(d["labels"])),
            d.get("layer"),
            d.get("checkpoint"),
        )

    def table(self, digits: int = 3) -> str:
        """The matrix as aligned plain text, headed by its title."""
        cells = [[_cell(v, digits) for v in row] for row in np.asarray(self.matrix)]
        width = max([len(s) for s in self.labels] + [len(c) for row in cells for c in row] + [1])
        head = " " * width + "".join(f"  {s:>{width}}" for s in self.labels)
        rows = [f"{s:<{width}}" + "".join(f"  {c:>{width}}" for c in row) for s, row in zip(self.labels, cells)]
        return "\n".join([self.title, head, *rows])


def _number(v) -> float | None:
    """A JSON-able distance: inf (diagrams whose essential points differ in number) becomes None."""
    v = float(v)
    return None if math.isinf(v) else v


def _cell(v, digits: int) -> str:
    return "inf" if math.isinf(v) else f"{v:.{digits}f}"


@dataclass
class Comparison:
    """A study's diagram distances: between checkpoints (one matrix per layer), between layers (one per
    checkpoint) and between seeds (one per (layer, checkpoint) of ``seed_checkpoints``).

    Parameters
    ----------
    study : str
        The study's folder, as text.
    metric : {"bottleneck", "wasserstein"}
    dim : int
    order, internal_p : float
        The distance used and the homology dimension compared.
    checkpoints : dict
        {layer: DistanceMatrix} between the pooled analyses at each checkpoint.
    layers : dict
        {checkpoint: DistanceMatrix} between the layers' pooled analyses.
    seeds : dict
        {(layer, checkpoint): DistanceMatrix} between each seed's filters analysed alone.

    Examples
    --------
    ``Study.compare`` makes one; one can also be built, or read back from ``to_dict``:

    >>> import math
    >>> import numpy as np
    >>> from fasttda.study.compare import Comparison, DistanceMatrix
    >>> m = DistanceMatrix("layers", ["layer 1", "layer 2"], np.array([[0.0, 0.5], [0.5, 0.0]]), checkpoint=100)
    >>> c = Comparison("runs/a", "bottleneck", 1, 1.0, math.inf, {}, {100: m}, {})
    >>> c
    Comparison('runs/a', bottleneck, H1: 0 between checkpoints, 1 between layers, 0 between seeds)
    >>> float(Comparison.from_dict(c.to_dict()).layers[100].matrix[0, 1])
    0.5
    """

    study: str
    metric: str
    dim: int
    order: float
    internal_p: float
    checkpoints: dict
    layers: dict
    seeds: dict

    def matrices(self) -> list[DistanceMatrix]:
        """Every matrix, in the order ``table`` prints them."""
        return [*self.checkpoints.values(), *self.layers.values(), *self.seeds.values()]

    def heading(self) -> str:
        return (
            f"{_metric_name(self.metric, self.order, self.internal_p)} between H{self.dim} diagrams, study {self.study}"
        )

    def table(self, digits: int = 3) -> str:
        """Plain text: a heading, then every matrix."""
        return "\n\n".join([self.heading(), *(m.table(digits) for m in self.matrices())])

    def to_dict(self) -> dict:
        """JSON-able: the parameters and a list of matrices (infinite distances as null)."""
        return {
            "study": self.study,
            "metric": self.metric,
            "dim": self.dim,
            "order": self.order,
            "internal_p": _number(self.internal_p),
            "matrices": [m.to_dict() for m in self.matrices()],
        }

    @classmethod
    def from_dict(cls, d: dict) -> Comparison:
        out = cls(
            d["study"],
            d["metric"],
            int(d["dim"]),
            float(d["order"]),
            math.inf if d["internal_p"] is None else float(d["internal_p"]),
            {},
            {},
            {},
        )
        for entry in d["matrices"]:
            m = DistanceMatrix.from_dict(entry)
            if m.kind == "checkpoints":
                out.checkpoints[m.layer] = m
            elif m.kind == "layers":
                out.layers[m.checkpoint] = m
            else:
                out.seeds[(m.layer, m.checkpoint)] = m
        return out

    def __repr__(self) -> str:
        return (
            f"Comparison({self.study!r}, {self.metric}, H{self.dim}: {len(self.checkpoints)} between checkpoints, "
            f"{len(self.layers)} between layers, {len(self.seeds)} between seeds)"
        )


@dataclass
class StudiesComparison:
    """Two studies compared: ``cross`` {(layer, checkpoint): distance between their pooled diagrams} for
    every (layer, checkpoint) both hold, and ``a``, ``b`` each study's own :class:`Comparison`.

    Parameters
    ----------
    a, b : Comparison
        Each study's own matrices.
    cross : dict
        {(layer, checkpoint): distance between the two studies' pooled diagrams}.

    Examples
    --------
    ``compare_studies`` makes one; here one is built from two empty comparisons:

    >>> import math
    >>> from fasttda.study.compare import Comparison, StudiesComparison
    >>> a = Comparison("adam", "bottleneck", 1, 1.0, math.inf, {}, {}, {})
    >>> b = Comparison("sgd", "bottleneck", 1, 1.0, math.inf, {}, {}, {})
    >>> sc = StudiesComparison(a, b, {(1, 100): 0.125})
    >>> sc
    StudiesComparison('adam' against 'sgd', 1 shared cells)
    >>> StudiesComparison.from_dict(sc.to_dict()).cross
    {(1, 100): 0.125}
    """

    a: Comparison
    b: Comparison
    cross: dict

    def table(self, digits: int = 3) -> str:
        layers = sorted({layer for layer, _ in self.cross})
        checkpoints = sorted({cp for _, cp in self.cross})
        labels = [f"it {cp}" for cp in checkpoints]
        width = max([len(s) for s in labels] + [len("layer 10"), digits + 4])
        heading = (
            f"{_metric_name(self.a.metric, self.a.order, self.a.internal_p)} between H{self.a.dim} diagrams "
            f"of the pooled analyses, study A {self.a.study} against study B {self.b.study}"
        )
        lines = [heading, " " * width + "".join(f"  {s:>{width}}" for s in labels)]
        for layer in layers:
            cells = [_cell(self.cross[layer, cp], digits) if (layer, cp) in self.cross else "-" for cp in checkpoints]
            lines.append(f"{'layer ' + str(layer):<{width}}" + "".join(f"  {c:>{width}}" for c in cells))
        return "\n\n".join(["\n".join(lines), "study A: " + self.a.table(digits), "study B: " + self.b.table(digits)])

    def to_dict(self) -> dict:
        return {
            "cross": [
                {"layer": layer, "checkpoint": cp, "distance": _number(d)} for (layer, cp), d in self.cross.items()
            ],
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> StudiesComparison:
        cross = {
            (e["layer"], e["checkpoint"]): math.inf if e["distance"] is None else float(e["distance"])
            for e in d["cross"]
        }
        return cls(Comparison.from_dict(d["a"]), Comparison.from_dict(d["b"]), cross)

    def __repr__(self) -> str:
        return f"StudiesComparison({self.a.study!r} against {self.b.study!r}, {len(self.cross)} shared cells)"


def _metric_name(metric: str, order: float, internal_p: float) -> str:
    if metric == "bottleneck":
        return "bottleneck distance"
    q = "inf" if math.isinf(internal_p) else f"{internal_p:g}"
    return f"{order:g}-Wasserstein distance (ground metric L-{q})"


class _Distances:
    """The analyses of one study, each made once, and the distance matrices between them."""

    def __init__(self, study, metric, dim, order, internal_p, kwargs):
        from .._checks import as_int
        from ..distances import check_metric

        if not isinstance(metric, str) or metric not in METRICS:
            raise ValueError(f"metric must be 'bottleneck' or 'wasserstein', got {metric!r}")
        self.order, self.internal_p, _ = check_metric(order, internal_p, 0.0)
        self.study, self.metric, self.dim = study, metric, as_int(dim, "dim", low=0)
        self.kwargs = {"n_null": 0, **kwargs}  # the null model changes no barcode: skip it unless asked
        self.pooled = {}

    def analysis(self, layer, cp):
        if (layer, cp) not in self.pooled:
            self.pooled[layer, cp] = self.study.analyze(layer, cp, **self.kwargs)
        return self.pooled[layer, cp]

    def matrix(self, analyses) -> np.ndarray:
        from ..distances import diagram_distances

        return diagram_distances(
            analyses,
            dim=self.dim,
            metric=self.metric,
            p=self.order,
            internal_p=self.internal_p,
            n_threads=self.kwargs.get("n_threads"),
        )


def _compare(d: _Distances, layers, checkpoints, seed_checkpoints) -> Comparison:
    """The matrices of one study; a matrix of a single row (one layer, one checkpoint, one seed) is left out."""
    study = d.study
    seed_cps = checkpoints[-1:] if seed_checkpoints is None else [study.check_checkpoint(c) for c in seed_checkpoints]
    by_checkpoint, by_layer, by_seed = {}, {}, {}
    if len(checkpoints) > 1:
        by_checkpoint = {
            layer: DistanceMatrix(
                "checkpoints",
                [f"it {cp}" for cp in checkpoints],
                d.matrix([d.analysis(layer, cp) for cp in checkpoints]),
                layer=layer,
            )
            for layer in layers
        }
    if len(layers) > 1:
        by_layer = {
            cp: DistanceMatrix(
                "layers",
                [f"layer {layer}" for layer in layers],
                d.matrix([d.analysis(layer, cp) for layer in layers]),
                checkpoint=cp,
            )
            for cp in checkpoints
        }
    for layer in layers if len(study.done) > 1 else []:
        for cp in seed_cps:
            alone = [study.analyze(layer, cp, seeds=[s], **{**d.kwargs, "n_null": 0}) for s in study.done]
            by_seed[layer, cp] = DistanceMatrix(
                "seeds", [f"seed {s}" for s in study.done], d.matrix(alone), layer=layer, checkpoint=cp
            )
    return Comparison(str(study.path), d.metric, d.dim, d.order, d.internal_p, by_checkpoint, by_layer, by_seed)


def _cells(study, layers, checkpoints):
    layers = study.layers if layers is None else [study.check_layer(layer) for layer in layers]
    checkpoints = study.checkpoints if checkpoints is None else [study.check_checkpoint(c) for c in checkpoints]
    if not layers or not checkpoints:
        raise ValueError("compare needs at least one layer and one checkpoint")
    return layers, checkpoints


def compare(
    study,
    metric: str = "bottleneck",
    dim: int = 1,
    layers=None,
    checkpoints=None,
    *,
    seed_checkpoints=None,
    order: float = 1.0,
    internal_p: float = math.inf,
    analyses: dict | None = None,
    **analyze_kwargs,
) -> Comparison:
    """Distances between a study's persistence diagrams: over training, across layers, across seeds.

    Parameters
    ----------
    study : Study
        A loaded study (``fasttda.load_study``).
    metric : {"bottleneck", "wasserstein"}, default "bottleneck"
        The distance between diagrams (see `fasttda.diagram_distances`).
    dim : int, default 1
        The homology dimension compared.
    layers, checkpoints : list of int, optional
        The layers and checkpoints to compare (default all the study holds).
    seed_checkpoints : list of int, optional
        The checkpoints at which the seeds are compared with each other, each seed's filters analysed
        alone (``study.analyze(layer, cp, seeds=[s], n_null=0)``, one analysis per seed, layer and
        checkpoint). Default: only the last of ``checkpoints``, to keep the cost down; ``[]`` compares
        no seeds.
    order, internal_p : float
        The order ``p`` and ground metric of the Wasserstein distance (ignored for the bottleneck one).
    analyses : dict, optional
        ``{(layer, checkpoint): Analysis}`` already made with the same ``analyze_kwargs`` (a report's,
        say): used instead of analysing those cells again.
    **analyze_kwargs
        Passed to ``Study.analyze`` (k, p, n_landmarks, n_threads, ...). ``n_null`` defaults to 0 here,
        since the null model changes no diagram.

    Returns
    -------
    Comparison
        The matrices (those of a single row left out: no layer matrix for one layer, ...), with
        labels (``"it 10"``, ``"layer 1"``, ``"seed 3"``), ``table()`` and ``to_dict()``.

    Raises
    ------
    ValueError
        If a layer or checkpoint is not in the study, the metric is unknown, or an analysis fails.

    Examples
    --------
    >>> import fasttda
    >>> c = fasttda.load_study("DIR").compare(k=8)              # doctest: +SKIP
    >>> c.checkpoints[1].matrix  # layer 1's diagrams, checkpoint by checkpoint  # doctest: +SKIP
    """
    d = _Distances(study, metric, dim, order, internal_p, analyze_kwargs)
    d.pooled.update(analyses or {})
    layers, checkpoints = _cells(study, layers, checkpoints)
    return _compare(d, layers, checkpoints, seed_checkpoints)


def compare_studies(
    a,
    b,
    metric: str = "bottleneck",
    dim: int = 1,
    layers=None,
    checkpoints=None,
    *,
    seed_checkpoints=None,
    order: float = 1.0,
    internal_p: float = math.inf,
    **analyze_kwargs,
) -> StudiesComparison:
    """Two studies compared (two optimizers, say): for each (layer, checkpoint) both hold, the distance
    between their pooled diagrams, and each study's own matrices (`compare`).

    Parameters
    ----------
    a, b : Study
        The studies.
    metric, dim, seed_checkpoints, order, internal_p, **analyze_kwargs
        As in `compare`; both studies are analysed with the same parameters.
    layers, checkpoints : list of int, optional
        Default: those both studies hold. Each must be in both.

    Returns
    -------
    StudiesComparison
        ``cross`` {(layer, checkpoint): distance}, and ``a`` and ``b`` (each a `Comparison`).

    Raises
    ------
    ValueError
        If the studies share no layer or no checkpoint, or one asked for is missing from either study.

    Examples
    --------
    >>> from fasttda.study import compare_studies, load_study
    >>> c = compare_studies(load_study("adam"), load_study("sgd"), k=8)   # doctest: +SKIP
    >>> c.cross[1, 1000]  # layer 1 at iteration 1000  # doctest: +SKIP
    """
    da = _Distances(a, metric, dim, order, internal_p, analyze_kwargs)
    db = _Distances(b, metric, dim, order, internal_p, analyze_kwargs)
    if layers is None:
        layers = [layer for layer in a.layers if layer in b.layers]
    if checkpoints is None:
        checkpoints = [cp for cp in a.checkpoints if cp in b.checkpoints]
    if not layers or not checkpoints:
        raise ValueError(
            f"the studies {a.path} and {b.path} share no layer or no checkpoint: layers "
            f"{a.layers} and {b.layers}, checkpoints {a.checkpoints} and {b.checkpoints}"
        )
    layers, checkpoints = _cells(a, layers, checkpoints)
    _cells(b, layers, checkpoints)
    ca = _compare(da, layers, checkpoints, seed_checkpoints)
    cb = _compare(db, layers, checkpoints, seed_checkpoints)
    cross = {
        (layer, cp): float(da.matrix([da.analysis(layer, cp), db.analysis(layer, cp)])[0, 1])
        for layer in layers
        for cp in checkpoints
    }
    return StudiesComparison(ca, cb, cross)
