"""A self-contained HTML report of one or more analyses.

``write_report`` saves each figure once under ``out_dir/figures``, in the
format that keeps it small: SVG for line art (barcodes, diagrams, histograms)
when that is smaller, else a PNG reduced to a 256-colour palette (the figures
use a few dozen colours; no difference shows), and writes ``out_dir/index.html``
with every figure inlined as a base64 ``data:`` URI and all styling inline, so
the page can be mailed, archived or opened offline and shows the same thing.
With ``interactive=True`` each analysis also gets an interactive Mapper page
(``plot.mapper_html``), a file of its own beside index.html, linked from it. A small inline script records, once
the page has loaded, how many images decoded and how many errors were raised
(``<p id="status" data-images-ok=... data-errors=...>``), so a headless
browser's DOM dump shows whether the page rendered.
"""

from __future__ import annotations

import base64
import html
import io
import numbers
import re
from pathlib import Path

import numpy as np

__all__ = ["write_report"]

DPI = 150  # of the PNG figures with a palette
TRUE_COLOUR_DPI = 120  # of the others
PALETTE_ERROR = 3  # of 255 levels: the most a palette may change 999 pixels in 1000

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1200px; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .2em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
pre.summary { background: #f7f7f9; border-left: 4px solid #4c72b0; padding: .6em .9em; white-space: pre-wrap; }
.verdict { font-weight: 600; color: #4c72b0; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
figure { margin: 0; max-width: 100%; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85em; color: #555; }
#status { font-size: .8em; color: #777; }
"""

# Counts decoded images after load and every error (script errors and failed resources, caught in the
# capture phase); writes both into #status so a DOM dump tells whether the page rendered.
SCRIPT = """
var fasttdaErrors = 0;
window.onerror = function () { fasttdaErrors += 1; };
window.addEventListener("error", function (e) { if (e.target && e.target !== window) fasttdaErrors += 1; }, true);
window.addEventListener("load", function () {
  var images = document.images, ok = 0;
  for (var i = 0; i < images.length; i++) {
    if (images[i].complete && images[i].naturalWidth > 0) ok += 1;
  }
  var s = document.getElementById("status");
  s.setAttribute("data-images", String(images.length));
  s.setAttribute("data-images-ok", String(ok));
  s.setAttribute("data-errors", String(fasttdaErrors));
  s.setAttribute("data-state", "loaded");
  s.textContent = ok + " of " + images.length + " figures rendered, " + fasttdaErrors + " error(s).";
});
"""


def _esc(x) -> str:
    return html.escape(str(x), quote=True)


def _at(checkpoint) -> str:
    return "" if checkpoint is None else f" at checkpoint {checkpoint}"


def _stem(layer, checkpoint) -> str:
    name = f"layer{layer}" + ("" if checkpoint is None else f"_ckpt{checkpoint}")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name)


def _heading(layer, checkpoint) -> str:
    return f"Layer {layer}" + ("" if checkpoint is None else f", checkpoint {checkpoint}")


def _keys(analyses: dict) -> list[tuple]:
    """(layer, checkpoint) keys in display order; a bare key k means (k, None)."""
    from .plot import order_key

    keys = [k if isinstance(k, tuple) and len(k) == 2 else (k, None) for k in analyses]
    if len(set(keys)) != len(keys):
        raise ValueError("two analyses have the same (layer, checkpoint)")
    return sorted(keys, key=lambda k: (order_key(k[0]), order_key(k[1])))


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(_value(x) for x in v)
    if isinstance(v, np.generic):
        return _value(v.item())
    return str(v)


def _table(rows, header=None, links=None) -> str:
    """An HTML table of text cells; ``links`` makes each row's first cell an in-page link."""
    out = ["<table>"]
    if header:
        out.append("<tr>" + "".join(f"<th>{_esc(h)}</th>" for h in header) + "</tr>")
    for i, row in enumerate(rows):
        cells = [_esc(c) for c in row]
        if links:
            cells[0] = f'<a href="{_esc(links[i])}">{cells[0]}</a>'
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _params_section(params, analyses, keys) -> tuple[str, set]:
    """The parameter table: the study's own, then the analysis parameters all analyses share.
    Returns the HTML and the analysis parameter names that differ (shown per analysis)."""
    rows = [(str(k), _value(v)) for k, v in (params or {}).items()]
    all_params = [analyses[k].params for k in keys]
    names = list(dict.fromkeys(n for p in all_params for n in p))
    varying = {n for n in names if len({repr(p.get(n)) for p in all_params}) > 1}
    rows += [
        (f"analyze: {n}", _value(all_params[0].get(n)) if n not in varying else "varies, see below") for n in names
    ]
    return "<h2>Parameters</h2>\n" + _table(rows, ("parameter", "value")), varying


def _accuracy_section(accuracy) -> str:
    """seed → accuracy, or checkpoint → accuracies of the seeds."""
    if not accuracy:
        return ""
    items = list(dict(accuracy).items())
    if all(isinstance(v, numbers.Real) for _, v in items):
        vals = np.array([float(v) for _, v in items])
        rows = [(str(k), f"{float(v):.4f}") for k, v in items]
        rows.append(("mean ± sd", f"{vals.mean():.4f} ± {vals.std():.4f}"))
        return "<h2>Accuracy</h2>\n" + _table(rows, ("seed", "test accuracy"))
    rows = []
    for key, v in items:
        vals = np.atleast_1d(np.asarray(v, dtype=np.float64))
        if vals.size == 0:
            rows.append((str(key), "0", "", "", ""))
            continue
        rows.append(
            (
                str(key),
                str(vals.size),
                f"{vals.mean():.4f} ± {vals.std():.4f}",
                f"{vals.min():.4f}",
                f"{vals.max():.4f}",
            )
        )
    return "<h2>Accuracy</h2>\n" + _table(rows, ("checkpoint", "seeds", "mean ± sd", "min", "max"))


MIME = {".png": "image/png", ".svg": "image/svg+xml"}


def _render(fig, dpi: int):
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return Image.open(buf).convert("RGB")  # figures are opaque: the alpha channel carries nothing


def _palette(image):
    """The RGB image with a 256-colour palette, or None when that would change a pixel visibly: more
    than 1 pixel in 1000 by more than PALETTE_ERROR levels (a colour bar would band)."""
    from PIL import Image

    small = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    error = np.abs(np.asarray(small.convert("RGB"), dtype=np.int16) - np.asarray(image, dtype=np.int16))
    return small if np.percentile(error.max(axis=2), 99.9) <= PALETTE_ERROR else None


def _png(fig) -> bytes:
    """The figure as an optimised PNG: at DPI with a 256-colour palette where that shows no difference
    (line art: a third of the size of true colour), else in true colour at TRUE_COLOUR_DPI. Either is
    sharper than the 96 dpi the page shows it at."""
    image = _palette(_render(fig, DPI))
    if image is None:
        image = _render(fig, TRUE_COLOUR_DPI)
    out = io.BytesIO()
    image.save(out, format="png", optimize=True)
    return out.getvalue()


def _svg(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg")
    return buf.getvalue()


def _save_figure(fig, stem: Path, line_art: bool = False) -> tuple[Path, int]:
    """Write the figure once, as ``stem.svg`` (line art, when smaller) or ``stem.png``; return the path
    and the width (CSS px) it was drawn for."""
    data, suffix = _png(fig), ".png"
    if line_art:
        svg = _svg(fig)
        if len(svg) < len(data):
            data, suffix = svg, ".svg"
    path = Path(f"{stem}{suffix}")
    path.write_bytes(data)
    return path, round(fig.get_figwidth() * 96)  # CSS px are 1/96 in


def _figure_html(saved: tuple[Path, int], caption: str) -> str:
    path, width = saved
    # Shown at the size the figure was drawn for, so all figures share one font size.
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure style="width: {width}px"><img alt="{_esc(caption)}" width="{width}" '
        f'src="data:{MIME[path.suffix]};base64,{data}">'
        f"<figcaption>{_esc(caption)} ({_esc(path.name)})</figcaption></figure>"
    )


def _analysis_figures(a, stem: str, folder: Path, head: str) -> list[tuple[tuple[Path, int], str]]:
    from . import plot

    drawn = [
        (
            "mapper",
            False,
            plot.mapper_graph(a, title=f"{head}: {a.verdict}"),
            f"{head}: Mapper graph of the dense core; colour = codensity (low = dense), size = members, "
            "mean filters of spread-out nodes",
        ),
        ("barcode", True, plot.barcode(a.barcodes), f"{head}: Vietoris–Rips barcodes of the landmarks"),
        ("diagram", True, plot.diagram(a.barcodes), f"{head}: persistence diagram"),
    ]
    if getattr(a, "space", "dct") == "dct":  # k×k filters in pixel space have no primary circle
        drawn.append(("orientations", True, plot.orientations(a), f"{head}: edge orientations on the primary circle"))
    return [(_save_figure(fig, folder / f"{stem}_{kind}", line_art), caption) for kind, line_art, fig, caption in drawn]


def write_report(
    out_dir,
    analyses: dict,
    *,
    title: str = "fasttda report",
    params: dict | None = None,
    accuracy: dict | None = None,
    notes=None,
    interactive: bool = False,
    sort: bool = True,
    evolution: list | None = None,
    comparison=None,
) -> Path:
    """Figures under ``out_dir/figures`` and a self-contained ``out_dir/index.html``; returns its path.

    Parameters
    ----------
    out_dir
        The folder to write into, made when missing.
    analyses
        ``{(layer, checkpoint): Analysis}``; checkpoint may be None (a single
        weights file), and a key that is not a pair is taken as a layer.
    title
        The page's title.
    params
        The study's parameters (dataset, network, seeds, ...), shown in a table
        together with the analysis parameters.
    accuracy
        ``{seed: accuracy}`` or ``{checkpoint: [accuracy of each seed]}``.
    notes
        A string or a list of strings, shown as paragraphs.
    interactive
        Also write an interactive Mapper page per analysis (``mapper_<stem>.html``
        beside index.html, see ``plot.mapper_html``) and link it.
    sort
        Show the analyses sorted by (layer, checkpoint) (the default), or in
        the dict's order (False: a network's layers in the order it applies them).
    evolution
        ``Study.evolution`` rows: each layer's top H1 bar against the checkpoint,
        drawn beside the grid (``plot.evolution``).
    comparison
        A ``Comparison`` (``Study.compare``): a heatmap of each of its distance
        matrices, between checkpoints, layers and seeds.

    Returns
    -------
    Path
        ``out_dir/index.html``.

    Raises
    ------
    ValueError
        When there are no analyses.

    Examples
    --------
    >>> import numpy as np, fasttda
    >>> a = fasttda.analyze(fasttda.datasets.filter_like(3000), n_landmarks=60, n_null=0)
    >>> fasttda.report.write_report("report", {("layer 1", None): a}).name
    'index.html'
    """
    from . import plot

    analyses = {(k if isinstance(k, tuple) and len(k) == 2 else (k, None)): a for k, a in dict(analyses).items()}
    if not analyses:
        raise ValueError("there are no analyses to report")
    keys = _keys(analyses) if sort else list(analyses)
    out = Path(out_dir)
    folder = out / "figures"
    folder.mkdir(parents=True, exist_ok=True)

    params_html, varying = _params_section(params, analyses, keys)
    body = [
        f"<h1>{_esc(title)}</h1>",
        '<p id="status" data-state="pending">Figures not checked: scripts are off or the page is loading.</p>',
    ]
    if notes:
        body += [f"<p>{_esc(n)}</p>" for n in ([notes] if isinstance(notes, str) else notes)]
    body.append("<h2>Summary</h2>")
    body.append(
        _table(
            [(_heading(*k), analyses[k].verdict) for k in keys],
            ("analysis", "verdict"),
            links=[f"#analysis-{i}" for i in range(len(keys))],
        )
    )
    body.append(params_html)
    body.append(_accuracy_section(accuracy))

    layers = {k[0] for k in keys}
    checkpoints = {k[1] for k in keys}
    if len(layers) >= 2 or len(checkpoints) >= 2:
        fig = plot.evolution_grid(
            analyses,
            layers=list(dict.fromkeys(k[0] for k in keys)),
            checkpoint_label="checkpoint",
            title="Mapper graphs and H1 barcodes: layers (rows) by checkpoint",
        )
        saved = _save_figure(fig, folder / "evolution_grid")
        body.append("<h2>Across layers and checkpoints</h2>")
        body.append(_figure_html(saved, "Mapper graph and H1 barcode of each layer (row) and checkpoint (column)"))
    if evolution:
        saved = _save_figure(plot.evolution(evolution, checkpoint_label="checkpoint"), folder / "evolution", True)
        body.append(
            _figure_html(
                saved,
                "Top H1 persistence of each layer against the checkpoint: the pooled "
                "networks (line), random halves of them (band), untrained filters "
                "(dashed) and the length a bar needs to count (dotted)",
            )
        )
    matrices = comparison.matrices() if comparison is not None else []
    if matrices:
        body.append("<h2>Distances between diagrams</h2>")
        body.append(f"<p>{_esc(comparison.heading())}.</p>")
        for i, m in enumerate(matrices):
            saved = _save_figure(plot.distance_matrix(m), folder / f"distances_{i}")
            body.append(_figure_html(saved, m.title.capitalize()))
    if len(layers) >= 3:  # a deep network: one Mapper graph per layer at the last checkpoint
        last = max(checkpoints, key=lambda c: (c is not None, c if c is not None else 0))
        by_layer = {k[0]: analyses[k] for k in keys if k[1] == last}
        fig = plot.layer_grid(by_layer, layers=list(by_layer), title=f"Mapper graph of each conv layer{_at(last)}")
        saved = _save_figure(fig, folder / "layer_grid")
        body.append("<h2>Layer by layer</h2>")
        body.append(_figure_html(saved, f"Mapper graph of each layer{_at(last)}, nodes drawn with their mean filter"))

    stems = [_stem(*k) for k in keys]
    stems = [s if stems.count(s) == 1 else f"{s}-{i}" for i, s in enumerate(stems)]  # e.g. layers 1 and "1"
    for i, key in enumerate(keys):
        a, head = analyses[key], _heading(*key)
        body.append(f'<h2 id="analysis-{i}">{_esc(head)}: <span class="verdict">{_esc(a.verdict)}</span></h2>')
        body.append(f'<pre class="summary">{_esc(a.summary())}</pre>')
        if varying:
            body.append(_table([(n, _value(a.params.get(n))) for n in sorted(varying)], ("parameter", "value")))
        figures = _analysis_figures(a, stems[i], folder, head)
        body.append('<div class="figures">' + "\n".join(_figure_html(p, c) for p, c in figures) + "</div>")
        if interactive:
            page = out / f"mapper_{stems[i]}.html"
            plot.mapper_html(a, page, title=f"{head}: {a.verdict}")
            body.append(
                f'<p class="interactive"><a href="{_esc(page.name)}">Explore the Mapper graph</a> '
                "(pan, zoom, colour by a value, a node's mean filter and networks, export a selection)</p>"
            )

    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_esc(title)}</title>",
            f"<style>{CSS}</style>",
            f"<script>{SCRIPT}</script>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
