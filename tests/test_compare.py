"""Studies compared: distance matrices between checkpoints, layers, seeds and two studies, their CLI and heatmap."""

import json
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("zarr")
pytest.importorskip("matplotlib")

import fasttda
from fasttda import cli
from fasttda.study import (
    Comparison,
    StudiesComparison,
    StudyConfig,
    compare_studies,
    load_study,
    run_study,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# smaller than test_study's TINY: the distances need checkpoints, layers and seeds, not a trained network
SMALL = {
    "model": "mnist2",
    "dataset": "mnist5k",
    "seeds": 3,
    "iterations": 10,
    "checkpoints": [0, 5, 10],
    "layers": [1, 2],
    "batch_size": 16,
    "lr": 0.05,
    "group_size": 3,
    "device": "cpu",
}
KW = {"k": 8, "n_null": 0, "n_threads": 1}


@pytest.fixture(scope="module")
def small_study(tmp_path_factory):
    out = tmp_path_factory.mktemp("small") / "study"
    run_study(StudyConfig(**SMALL), out, progress=False, analyze=False)
    return load_study(out)


@pytest.fixture(scope="module")
def comparison(small_study):
    return small_study.compare(**KW)


def check_matrix(m, labels):
    assert m.labels == labels
    assert m.matrix.shape == (len(labels), len(labels))
    np.testing.assert_array_equal(m.matrix, m.matrix.T)
    np.testing.assert_array_equal(np.diag(m.matrix), 0)
    assert np.isfinite(m.matrix).all() and (m.matrix >= 0).all()


def test_matrices_are_the_diagram_distances_of_the_analyses(small_study, comparison):
    s = small_study
    pooled = {(layer, cp): s.analyze(layer, cp, **KW) for layer in s.layers for cp in s.checkpoints}
    assert sorted(comparison.checkpoints) == [1, 2] and sorted(comparison.layers) == [0, 5, 10]
    for layer, m in comparison.checkpoints.items():
        check_matrix(m, ["it 0", "it 5", "it 10"])
        assert m.kind == "checkpoints" and m.layer == layer and m.checkpoint is None
        want = fasttda.diagram_distances([pooled[layer, cp] for cp in s.checkpoints], dim=1)
        np.testing.assert_array_equal(m.matrix, want)
        assert m.matrix[np.triu_indices(3, 1)].max() > 0  # training moved the diagrams
    for cp, m in comparison.layers.items():
        check_matrix(m, ["layer 1", "layer 2"])
        np.testing.assert_array_equal(m.matrix, fasttda.diagram_distances([pooled[1, cp], pooled[2, cp]]))
    # seeds: only at the last checkpoint by default, each seed analysed alone
    assert sorted(comparison.seeds) == [(1, 10), (2, 10)]
    for (layer, cp), m in comparison.seeds.items():
        check_matrix(m, ["seed 0", "seed 1", "seed 2"])
        alone = [s.analyze(layer, cp, seeds=[seed], **KW) for seed in s.done]
        np.testing.assert_array_equal(m.matrix, fasttda.diagram_distances(alone))
    # the pooled diagrams of one seed differ from those of the three pooled
    assert not np.array_equal(alone[0].barcodes["dgms"][1], pooled[2, 10].barcodes["dgms"][1])


def test_wasserstein_subset_and_json_round_trip(small_study):
    c = small_study.compare(
        "wasserstein", layers=[2], checkpoints=[5, 10], seed_checkpoints=[], order=2, internal_p=2, **KW
    )
    assert list(c.checkpoints) == [2] and c.layers == {} and c.seeds == {}  # one layer: no matrix between layers
    a5, a10 = small_study.analyze(2, 5, **KW), small_study.analyze(2, 10, **KW)
    want = fasttda.wasserstein(a5.barcodes["dgms"][1], a10.barcodes["dgms"][1], p=2, internal_p=2)
    assert c.checkpoints[2].matrix[0, 1] == pytest.approx(want, rel=1e-12)
    back = Comparison.from_dict(json.loads(json.dumps(c.to_dict(), allow_nan=False)))
    assert back.to_dict() == c.to_dict() and back.table() == c.table()
    assert "2-Wasserstein distance (ground metric L-2)" in c.table()
    with pytest.raises(ValueError, match="checkpoint 7 is not in the study"):
        small_study.compare(checkpoints=[7], **KW)
    with pytest.raises(ValueError, match="metric must be"):
        small_study.compare("hausdorff", **KW)


def test_table_and_dict(comparison):
    text = comparison.table()
    assert text.splitlines()[0].startswith("bottleneck distance between H1 diagrams, study ")
    for title in (
        "layer 1, between checkpoints",
        "iteration 5, between layers",
        "layer 2 at iteration 10, between seeds",
    ):
        assert title in text
    m = comparison.checkpoints[1]
    row = next(
        line
        for line in text.splitlines()[text.splitlines().index("layer 1, between checkpoints") :]
        if line.startswith("it 5 ")
    )
    assert row.split()[2:] == [f"{v:.3f}" for v in m.matrix[1]]
    d = comparison.to_dict()
    assert len(d["matrices"]) == 2 + 3 + 2 and d["metric"] == "bottleneck" and d["internal_p"] is None


def test_two_studies_copy_is_at_zero(small_study, comparison, tmp_path):
    copy = load_study(shutil.copytree(small_study.path, tmp_path / "copy"))
    c = compare_studies(small_study, copy, seed_checkpoints=[], **KW)
    assert sorted(c.cross) == [(layer, cp) for layer in (1, 2) for cp in (0, 5, 10)]
    assert all(d == 0 for d in c.cross.values())
    np.testing.assert_array_equal(c.a.checkpoints[1].matrix, comparison.checkpoints[1].matrix)
    np.testing.assert_array_equal(c.b.layers[10].matrix, comparison.layers[10].matrix)
    back = StudiesComparison.from_dict(json.loads(json.dumps(c.to_dict(), allow_nan=False)))
    assert back.cross == c.cross and back.table() == c.table()


def test_cli_prints_tables_and_json(small_study, comparison, tmp_path, capsys):
    flags = ["--k", "8", "--threads", "1"]
    assert cli.main(["compare", str(small_study.path), *flags]) == 0
    assert capsys.readouterr().out.strip() == comparison.table()
    assert cli.main(["compare", str(small_study.path), "--json", "--layers", "1", "--checkpoints", "0,10", *flags]) == 0
    d = json.loads(capsys.readouterr().out)
    got = Comparison.from_dict(d)
    assert list(got.checkpoints) == [1] and got.layers == {} and list(got.seeds) == [(1, 10)]
    np.testing.assert_array_equal(got.seeds[1, 10].matrix, comparison.seeds[1, 10].matrix)
    full = comparison.checkpoints[1].matrix
    np.testing.assert_array_equal(got.checkpoints[1].matrix, full[np.ix_([0, 2], [0, 2])])

    copy = shutil.copytree(small_study.path, tmp_path / "copy")
    assert cli.main(["compare", str(small_study.path), str(copy), "--json", "--seed-checkpoints", "", *flags]) == 0
    d = json.loads(capsys.readouterr().out)
    assert len(d["cross"]) == 6 and all(e["distance"] == 0 for e in d["cross"])
    assert (
        cli.main(
            [
                "compare",
                str(small_study.path),
                str(copy),
                "--metric",
                "wasserstein",
                "--layers",
                "1",
                "--seed-checkpoints",
                "",
                *flags,
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "1-Wasserstein distance" in text and "study A: " in text and "study B: " in text
    assert text.splitlines()[2].split() == ["layer", "1", "0.000", "0.000", "0.000"]

    assert cli.main(["compare", str(tmp_path / "nowhere")]) == 2
    assert "fasttda: error:" in capsys.readouterr().err


def test_heatmap(comparison):
    m = comparison.seeds[1, 10]
    fig = fasttda.plot.distance_matrix(m.matrix, m.labels, title="seeds")
    ax = fig.axes[0]
    assert ax.images[0].get_array().shape == (3, 3)
    np.testing.assert_array_equal(ax.images[0].get_array(), m.matrix)
    assert [t.get_text() for t in ax.get_xticklabels()] == m.labels
    assert [t.get_text() for t in ax.get_yticklabels()] == m.labels
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "distance"  # the colour bar
    assert ax.get_title() == "seeds"
    fig = fasttda.plot.distance_matrix(comparison.checkpoints[2])
    assert fig.axes[0].get_title() == "layer 2, between checkpoints"
    with pytest.raises(ValueError, match="square"):
        fasttda.plot.distance_matrix(np.zeros((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="labels has 1 names"):
        fasttda.plot.distance_matrix(np.zeros((2, 2)), ["a"])
