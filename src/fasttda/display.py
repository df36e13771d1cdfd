"""How fasttda's objects show themselves: a short ``repr`` in a terminal, and in Jupyter an HTML
table with small figures (``_repr_html_``) or a PNG where HTML is not rendered (``_repr_png_``).

The classes hold only thin methods that call the functions here. Figures are
``matplotlib.figure.Figure`` objects rendered by ``FigureCanvasAgg``: no
pyplot, so displaying an object never opens a window, never changes the
current figure and never keeps a figure alive. One rendering serves both
formats (``_repr_mimebundle_``), so a notebook cell pays for it once.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np

__all__ = ["MapperPage", "RichDisplay", "analysis_repr", "mimebundle", "png", "show", "to_html"]

DPI = 100  # of the notebook figures: a little above the 96 px per inch they are shown at, so sharp
MAX_FILTERS = 12  # mean filters drawn in an Analysis thumbnail
N_SAMPLE_FILTERS = 24  # filters drawn for a FilterVectors


def _esc(x) -> str:
    return html.escape(str(x), quote=True)


def _png_bytes(fig, dpi: int = DPI) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # attach an Agg canvas: no pyplot, no backend switch
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _img(data: bytes, alt: str, dpi: int = DPI) -> str:
    width = round(int.from_bytes(data[16:20], "big") * 96 / dpi)  # the figure's size in CSS px (1/96 in)
    return (
        f'<img alt="{_esc(alt)}" width="{width}" style="max-width: 100%; height: auto" '
        f'src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">'
    )


def _table(rows) -> str:
    cells = "".join(
        f'<tr><th style="text-align: left; padding-right: 1em">{_esc(k)}</th>'
        f'<td style="text-align: left">{_esc(v)}</td></tr>'
        for k, v in rows
    )
    return f'<table style="border-collapse: collapse; font-size: 0.9em">{cells}</table>'


def _card(title: str, rows, image: bytes | None, alt: str, extra: str = "") -> str:
    img = f"<div>{_img(image, alt)}</div>" if image is not None else ""
    return (
        f'<div class="fasttda-repr" style="display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start">'
        f'<div><div style="font-weight: 600; margin-bottom: 0.3em">{_esc(title)}</div>{_table(rows)}{extra}</div>'
        f"{img}</div>"
    )


def _kind(obj) -> str:
    from .analysis import Analysis
    from .filters import FilterVectors
    from .mapper import MapperGraph

    for cls, name in ((Analysis, "analysis"), (MapperGraph, "graph"), (FilterVectors, "filters")):
        if isinstance(obj, cls):
            return name
    if type(obj).__name__ == "Study" and hasattr(obj, "manifest"):
        return "study"
    raise TypeError(f"fasttda.display shows an Analysis, MapperGraph, FilterVectors or Study, not {type(obj).__name__}")


# ---- text ------------------------------------------------------------------------------------------


def _h1_top(a) -> list[float]:
    h1 = a.persistence[1] if len(a.persistence) > 1 else np.empty(0)
    n_long = a.long_bars[1] if len(a.long_bars) > 1 else 0
    return [round(float(x), 2) for x in h1[: max(n_long + 1, 2)]]


def analysis_repr(a) -> str:
    """One line, no arrays: ``Analysis(verdict='primary circle', n_points=50000, core=15000, H1=[0.91, 0.11])``.

    Parameters
    ----------
    a
        An ``Analysis``.

    Returns
    -------
    str
        The verdict, the numbers of points and core points, and the top H1 persistences.

    Examples
    --------
    >>> import fasttda
    >>> from fasttda.display import analysis_repr
    >>> a = fasttda.analyze(fasttda.datasets.filter_like(2000), n_null=0, n_landmarks=50)
    >>> analysis_repr(a)
    "Analysis(verdict='primary circle', n_points=2000, core=600, H1=[0.86, ...])"
    """
    return f"Analysis(verdict={a.verdict!r}, n_points={len(a.points)}, core={len(a.core)}, H1={_h1_top(a)})"


# ---- figures -----------------------------------------------------------------------------------------


def _analysis_figure(a):
    from . import plot

    fig = plot.new_figure((8.4, 3.3))
    gax, bax = fig.subplots(1, 2, width_ratios=[1.15, 1])
    plot.mapper_graph(
        a,
        ax=gax,
        max_filters=MAX_FILTERS,
        colorbar=False,
        thumb_size=13,
        title=f"Mapper graph ({a.graph.n_nodes} nodes)",
    )
    gax.title.set_fontsize(9)
    dims = [d for d in (1, 0) if d < len(a.barcodes["dgms"])][:1] or None
    plot.barcode(a.barcodes, ax=bax, dims=dims, max_bars=30, title="longest H1 bars" if dims == [1] else None)
    bax.title.set_fontsize(9)
    bax.tick_params(labelsize=7)
    bax.xaxis.label.set_fontsize(8)
    fig.suptitle(a.verdict, fontsize=10, fontweight="bold")
    return fig


def _graph_figure(g, node_filters=None):
    from . import plot

    fig = plot.new_figure((4.2, 3.4))
    plot.mapper_graph(g, ax=fig.add_subplot(), node_filters=node_filters, max_filters=MAX_FILTERS, thumb_size=13)
    return fig


def _filters_figure(fv):
    """Up to N_SAMPLE_FILTERS filters spread over the cloud (max-min order), as one grey mosaic."""
    from . import plot
    from .filters import dct_patches

    k = fv.kernel
    n = min(len(fv), N_SAMPLE_FILTERS)
    fig = plot.new_figure((0.42 * min(max(n, 1), 12), 0.5 * max(1, -(-n // 12)) + 0.25))
    ax = fig.add_subplot()
    ax.set_axis_off()
    if n == 0:
        ax.text(0.5, 0.5, "no filter kept", ha="center", va="center", color="0.4")
        return fig
    pick = _spread(fv.points, n)
    patches = dct_patches(fv.points[pick], fv.norm) if fv.space == "dct" else fv.points[pick].reshape(-1, k, k)
    lim = np.abs(patches).reshape(n, -1).max(axis=1)
    patches = patches / np.where(lim > 0, lim, 1.0)[:, None, None]  # each in [-1, 1], mid-grey = 0
    cols = min(n, 12)
    rows = -(-n // cols)
    mosaic = np.full((rows * (k + 1) - 1, cols * (k + 1) - 1), np.nan)
    for i, p in enumerate(patches):
        r, c = divmod(i, cols)
        mosaic[r * (k + 1) : r * (k + 1) + k, c * (k + 1) : c * (k + 1) + k] = p
    from matplotlib import colormaps

    cmap = colormaps["gray"].with_extremes(bad="white")
    ax.imshow(mosaic, cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
    ax.set_title(f"{n} of {len(fv)} filters, spread over the cloud", fontsize=8)
    return fig


def _spread(points, m) -> np.ndarray:
    """m indices, farthest-first from the first point: a sample that covers the cloud."""
    from .neighbours import maxmin

    if m >= len(points):
        return np.arange(len(points))
    return np.sort(maxmin(points, m, seed=0))


# ---- HTML --------------------------------------------------------------------------------------------


def _analysis_rows(a) -> list[tuple[str, str]]:
    p, s = a.params, a.shares
    g = a.graph
    rows = [
        ("verdict", a.verdict),
        ("filter vectors", f"{len(a.points)}" + ("" if a.filters is None else f" of {a.filters.n_slices} slices")),
        (f"dense core X({p['k']}, {p['p']:.0%})", f"{len(a.core)} points"),
        ("landmarks", f"{len(a.landmarks)} (covering radius {a.cover_radius:.2f})"),
        ("long bars", ", ".join(f"H{d}: {n}" for d, n in enumerate(a.long_bars) if d >= 1) or "none"),
        ("H1 persistence", ", ".join(f"{x:.2f}" for x in _h1_top(a)) or "none"),
        (
            "untrained filters' top H1",
            "not compared"
            if a.null_h1_mean is None
            else f"{a.null_h1_mean:.2f} ± {a.null_h1_std:.2f} ({len(a.null_h1)} draws)",
        ),
        (
            "near the models",
            (f"circle {s['circle']:.0%}, three circles {s['three_circle']:.0%}, Klein bottle {s['klein']:.0%}"),
        ),
        ("H/V vs diagonal edges", f"{a.orientation['axis_ratio']:.1f}x"),
        *([("moved from the start", f"median cosine distance {a.moved:.2f}")] if a.moved is not None else []),
        (
            "Mapper graph",
            (
                f"{g.n_nodes} nodes, {g.n_edges} edges, {len(g.connected_components())} "
                f"component(s), {g.betti1()} loop(s)"
            ),
        ),
    ]
    return rows


def _summary_details(text: str) -> str:
    return (
        f'<details style="margin-top: 0.4em"><summary>summary</summary>'
        f'<pre style="white-space: pre-wrap; font-size: 0.85em">{_esc(text)}</pre></details>'
    )


def _graph_rows(g) -> list[tuple[str, str]]:
    c = len(g.connected_components())
    rows = [
        ("nodes", g.n_nodes),
        ("edges", g.n_edges),
        ("components", c),
        ("independent cycles", g.n_edges - g.n_nodes + c),
    ]
    if g.triangles is not None:
        rows += [("triangles", len(g.triangles)), ("loops (betti1)", g.betti1())]
    rows += [("points", g.n_points)]
    if g.n_nodes:
        rows.append(("members per node", f"{int(g.size.min())}–{int(g.size.max())}, median {np.median(g.size):g}"))
    if g.params.get("lens"):
        rows.append(("lens", g.params["lens"]))
    if g.node_values:
        rows.append(("node values", ", ".join(g.node_values)))
    return rows


def _filters_rows(fv) -> list[tuple[str, str]]:
    return [
        ("points", f"{len(fv)} of dimension {fv.points.shape[1]}"),
        ("slices", f"{fv.n_slices} {fv.kernel}x{fv.kernel} slices of {fv.networks} network(s)"),
        ("dropped", f"{fv.n_dropped} below contrast {fv.cut:.3g}"),
        ("norm, space", f"{fv.norm}, {fv.space}"),
    ] + [("note", n) for n in fv.notes]


def _study_rows(st) -> list[tuple[str, str]]:
    c = st.config
    rows = [
        ("folder", str(st.path)),
        ("network, data", f"{c.model} on {c.dataset}"),
        ("seeds done", f"{len(st.done)} of {len(st.seeds)}"),
        ("iterations", c.iterations),
        ("checkpoints", ", ".join(map(str, st.checkpoints))),
        ("layers", ", ".join(f"{layer} {tuple(st.layer_shapes[layer])}" for layer in st.layers)),
    ]
    if st.done:
        acc = st.accuracy_at()
        rows.append(("test accuracy", f"{acc.mean():.4f} ± {acc.std():.4f} (last iteration)"))
    return rows


def render(obj) -> tuple[str, bytes | None]:
    """(HTML, PNG bytes or None) of an object, from one rendering of its figure."""
    kind = _kind(obj)
    if kind == "analysis":
        data = _png_bytes(_analysis_figure(obj))
        return _card(
            "fasttda Analysis",
            _analysis_rows(obj),
            data,
            f"Mapper graph and barcode: {obj.verdict}",
            _summary_details(obj.summary()),
        ), data
    if kind == "graph":
        data = _png_bytes(_graph_figure(obj))
        return _card("fasttda MapperGraph", _graph_rows(obj), data, "Mapper graph"), data
    if kind == "filters":
        data = _png_bytes(_filters_figure(obj))
        return _card("fasttda FilterVectors", _filters_rows(obj), data, "sample of the filters"), data
    return _card("fasttda Study", _study_rows(obj), None, ""), None


def to_html(obj) -> str:
    """The ``_repr_html_`` of an Analysis, MapperGraph, FilterVectors or Study.

    Parameters
    ----------
    obj
        An ``Analysis``, ``MapperGraph``, ``FilterVectors`` or ``Study``.

    Returns
    -------
    str
        A table of the object's numbers and, but for a Study, its figure as an inline PNG.

    Raises
    ------
    TypeError
        For an object of any other class.

    Examples
    --------
    >>> from fasttda.mapper import MapperGraph
    >>> g = MapperGraph([[0, 1], [1, 2]], [[0, 1]])
    >>> to_html(g)[:30]
    '<div class="fasttda-repr" styl'
    """
    return render(obj)[0]


def png(obj) -> bytes | None:
    """The ``_repr_png_``: the figure of ``to_html`` alone (None for a Study, which has none).

    Parameters
    ----------
    obj
        An ``Analysis``, ``MapperGraph``, ``FilterVectors`` or ``Study``.

    Returns
    -------
    bytes or None
        The PNG file's bytes.

    Raises
    ------
    TypeError
        For an object of any other class.

    Examples
    --------
    >>> from fasttda.mapper import MapperGraph
    >>> g = MapperGraph([[0, 1], [1, 2]], [[0, 1]])
    >>> png(g)[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    kind = _kind(obj)
    if kind == "study":
        return None
    fig = {"analysis": _analysis_figure, "graph": _graph_figure, "filters": _filters_figure}[kind](obj)
    return _png_bytes(fig)


def mimebundle(obj, include=None, exclude=None) -> dict:
    """``_repr_mimebundle_``: HTML, PNG and plain text from a single rendering.

    Parameters
    ----------
    obj
        An ``Analysis``, ``MapperGraph``, ``FilterVectors`` or ``Study``.
    include, exclude
        MIME types to keep only, or to leave out; None for no restriction.

    Returns
    -------
    dict
        ``{"text/plain": ..., "text/html": ..., "image/png": ...}`` (no PNG for a Study).

    Raises
    ------
    TypeError
        For an object of any other class.

    Examples
    --------
    >>> from fasttda.mapper import MapperGraph
    >>> g = MapperGraph([[0, 1], [1, 2]], [[0, 1]])
    >>> sorted(mimebundle(g))
    ['image/png', 'text/html', 'text/plain']
    >>> sorted(mimebundle(g, exclude=["image/png"]))
    ['text/html', 'text/plain']
    """
    text, data = render(obj)
    bundle = {"text/plain": repr(obj), "text/html": text}
    if data is not None:
        bundle["image/png"] = data
    if include:
        bundle = {k: v for k, v in bundle.items() if k in include}
    if exclude:
        bundle = {k: v for k, v in bundle.items() if k not in exclude}
    return bundle


# ---- the interactive page in a notebook ----------------------------------------------------------------


class MapperPage:
    """The interactive Mapper page (``fasttda.plot.mapper_html``) as a notebook output: an iframe whose
    ``srcdoc`` is the whole page, so it runs offline inside the notebook. ``html`` is the page itself;
    ``save(path)`` writes it.

    Parameters
    ----------
    page
        The whole HTML page.
    height
        Height of the iframe, in CSS pixels.

    Examples
    --------
    >>> from fasttda.display import MapperPage
    >>> page = MapperPage("<html></html>", height=400)
    >>> page
    MapperPage(13 characters of HTML; display it in Jupyter or save(path))
    >>> page._repr_html_()[:30]
    '<iframe srcdoc="&lt;html&gt;&l'
    """

    def __init__(self, page: str, height: int = 680):
        self.html = page
        self.height = int(height)

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{_esc(self.html)}" style="width: 100%; height: {self.height}px; border: 1px solid '
            f'#ddd" allow="clipboard-write" title="interactive Mapper graph"></iframe>'
        )

    def save(self, path):
        from pathlib import Path

        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return f"MapperPage({len(self.html)} characters of HTML; display it in Jupyter or save(path))"


def show(obj, interactive: bool = False, **kwargs):
    """A displayable view of an Analysis: the interactive Mapper page (``interactive=True``; kwargs go
    to ``mapper_html``) or the static figure of its notebook display.

    Parameters
    ----------
    obj
        An ``Analysis``.
    interactive
        The interactive page rather than the static figure.
    **kwargs
        Passed to ``fasttda.plot.mapper_html``, only with ``interactive=True``.

    Returns
    -------
    MapperPage or matplotlib.figure.Figure
        The page, or the figure (Mapper graph and H1 barcode).

    Raises
    ------
    TypeError
        When keyword arguments are given without ``interactive=True``.

    Examples
    --------
    >>> import fasttda
    >>> from fasttda.display import show
    >>> a = fasttda.analyze(fasttda.datasets.filter_like(2000), n_null=0, n_landmarks=50)
    >>> type(show(a)).__name__
    'Figure'
    >>> show(a, interactive=True)
    MapperPage(... characters of HTML; display it in Jupyter or save(path))
    """
    if interactive:
        from .interactive import mapper_html

        return MapperPage(mapper_html(obj, **kwargs))
    if kwargs:
        raise TypeError(f"show() takes {', '.join(map(repr, kwargs))} only with interactive=True")
    return _analysis_figure(obj)


class RichDisplay:
    """Jupyter display hooks for fasttda's classes; each class keeps its own short ``__repr__``.

    Parameters
    ----------
    None
        A mixin: it adds methods only, and the class it is mixed into takes the parameters.

    Examples
    --------
    >>> from fasttda.mapper import MapperGraph
    >>> g = MapperGraph([[0, 1], [1, 2]], [[0, 1]])
    >>> isinstance(g, RichDisplay), g._repr_html_() == to_html(g)
    (True, True)
    """

    def _repr_mimebundle_(self, include=None, exclude=None):
        return mimebundle(self, include, exclude)

    def _repr_html_(self):
        return to_html(self)

    def _repr_png_(self):
        return png(self)
