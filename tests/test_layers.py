"""analyze_layers: every layer of a network in order, each the same as analyze on it alone; 1x1 and
non-square layers skipped with their reason; 5x5 and 7x7 layers analysed in pixel space."""

import json

import numpy as np
import pytest

import fasttda
from fasttda.layers import analyze_layers, select_layers


def gradients(n, k, noise, seed):
    """n k×k linear ramps cos θ·x + sin θ·y at evenly spread angles, plus noise: a circle in pixel space."""
    rng = np.random.default_rng(seed)
    theta = rng.permutation(np.linspace(0, 2 * np.pi, n, endpoint=False))
    c = np.arange(k) - (k - 1) / 2
    x, y = np.meshgrid(c, c)
    W = np.cos(theta)[:, None, None] * x + np.sin(theta)[:, None, None] * y
    W += rng.normal(0, noise, W.shape)
    return W.reshape(n, 1, k, k)


def network():
    rng = np.random.default_rng(0)
    return {
        "stem.weight": gradients(900, 7, 0.03, 1).reshape(300, 3, 7, 7),
        "conv1.weight": gradients(1200, 3, 0.1, 2).reshape(100, 12, 3, 3),
        "proj.weight": rng.normal(size=(16, 8, 1, 1)),
        "asym.weight": rng.normal(size=(8, 8, 1, 7)),
        "conv2.weight": rng.normal(size=(40, 20, 5, 5)),
        "tiny.weight": rng.normal(size=(1, 1, 3, 3)),
    }


@pytest.fixture(scope="module")
def result():
    return analyze_layers(network(), n_landmarks=80, seed=3)


def test_each_layer_is_analyze_on_it_alone(result):
    w = network()
    assert list(result) == ["stem.weight", "conv1.weight", "conv2.weight"]  # the network's order
    for name, a in result.items():
        alone = fasttda.analyze(w[name], n_landmarks=80, seed=3)
        assert a.verdict == alone.verdict and a.long_bars == alone.long_bars
        for got, want in zip(a.barcodes["dgms"], alone.barcodes["dgms"]):
            np.testing.assert_array_equal(got, want)
    assert result.shapes == {name: v.shape for name, v in w.items()}


def test_skipped_layers_and_their_reasons(result):
    assert set(result.skipped) == {"proj.weight", "asym.weight", "tiny.weight"}
    assert result.skipped["proj.weight"] == "1x1 kernels have no spatial shape"
    assert result.skipped["asym.weight"] == "1x7 kernels are not square"
    assert "too few" in result.skipped["tiny.weight"]  # analyze's own refusal, for this layer only


def test_larger_kernels_in_pixel_space(result):
    stem = result["stem.weight"]  # 7×7 ramps at every angle: a circle, found without the 3×3 models
    assert stem.space == "pixel" and stem.points.shape[1] == 49
    assert stem.long_bars[1] == 1 and stem.verdict == "one loop"
    assert stem.node_filters.shape[1:] == (7, 7)
    assert "pixel space" in stem.summary() and "do not apply" in stem.summary()
    d = stem.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["shares"] == {"circle": None, "three_circle": None, "klein": None} and d["plane_share"] is None
    noise = result["conv2.weight"]  # Gaussian 5×5 filters: no loop
    assert noise.space == "pixel" and noise.verdict == "indistinguishable from initialisation"
    conv1 = result["conv1.weight"]  # 3×3 ramps: the primary circle, on the DCT sphere as before
    assert conv1.space == "dct" and conv1.verdict == "primary circle"


def test_selection_and_progress():
    w = network()
    seen = []
    got = analyze_layers(
        w,
        layers="2-3,stem.weight",
        n_landmarks=40,
        progress=lambda name, a, reason: seen.append((name, a is None, reason)),
    )
    assert list(got) == ["stem.weight", "conv1.weight"] and list(got.skipped) == ["proj.weight"]
    assert seen == [
        ("stem.weight", False, None),
        ("conv1.weight", False, None),
        ("proj.weight", True, "1x1 kernels have no spatial shape"),
    ]
    names = list(w)
    assert select_layers(names, "all") == names
    assert select_layers(names, "5,1") == ["stem.weight", "conv2.weight"]
    assert select_layers(names, [2, "proj.weight"]) == ["conv1.weight", "proj.weight"]
    assert select_layers(names, 6) == ["tiny.weight"]
    for spec, message in [
        ("7", "out of range: there are conv layers 1..6"),
        ("3-2", "out of range"),
        ("conv9", "no layer named 'conv9'"),
        ("1,,2", "empty item"),
        ("0", "out of range"),
    ]:
        with pytest.raises(ValueError, match=message):
            select_layers(names, spec)


def test_bad_input(tmp_path):
    with pytest.raises(TypeError, match="dict"):
        analyze_layers([np.zeros((2, 2, 3, 3))])
    with pytest.raises(ValueError, match="holds no layer"):
        analyze_layers({})
    with pytest.raises(ValueError, match=r"must be a conv kernel \(out, in, kh, kw\)"):
        analyze_layers({"a": np.zeros((4, 9))})
    with pytest.raises(ValueError, match="no layer could be analysed: a: 1x1"):
        analyze_layers({"a": np.ones((4, 4, 1, 1))})
    np.savez(tmp_path / "w.npz", conv=gradients(1200, 3, 0.1, 0).reshape(120, 10, 3, 3))
    from_file = analyze_layers(tmp_path / "w.npz", n_landmarks=40)  # a path is read with load_weights
    assert list(from_file) == ["conv"] and from_file["conv"].verdict == "primary circle"


def test_module_weights_go_straight_in():
    torch = pytest.importorskip("torch")
    from fasttda.nets import conv_weights

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 64, 3), torch.nn.Conv2d(64, 64, 3, groups=64), torch.nn.Conv2d(64, 8, 1)
    )
    got = analyze_layers(conv_weights(net), n_landmarks=40)
    assert list(got) == ["0", "1"] and list(got.skipped) == ["2"]
