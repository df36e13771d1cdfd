"""load_weights and nets.conv_weights: every format written here by its own library (or by hand in the
documented layout), read back with the names, order, layout and values that were written; damaged,
mislabelled, empty and malicious files refused with one clear sentence, and no code run."""

import io
import json
import pickle
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fasttda
from fasttda.weights import load_layer, load_weights, natural_key

RNG = np.random.default_rng(7)


def kernel(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def assert_layers(got, expected):
    """Same names in the same order, and equal float32 arrays."""
    assert list(got) == list(expected)
    for name, want in expected.items():
        assert got[name].dtype == np.float32 and got[name].shape == want.shape, name
        np.testing.assert_array_equal(got[name], want)


def truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


# ---------------------------------------------------------------- PyTorch

torch = pytest.importorskip("torch")
nn = torch.nn


def sequential_net():
    """Twelve modules, so registration order (0, 2, ..., 10) differs from text order (0, 10, 2, ...)."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3),
        nn.ReLU(),
        nn.Conv2d(8, 8, 5, padding=2),
        nn.BatchNorm2d(8),
        nn.Conv2d(8, 8, 3, groups=8),
        nn.ReLU(),
        nn.Conv2d(8, 4, 1),
        nn.ReLU(),
        nn.Conv2d(4, 4, 3),
        nn.ReLU(),
        nn.Conv2d(4, 6, 7),
        nn.Flatten(),
        nn.Linear(6, 2),
    )


def expected_convs(net, suffix=".weight"):
    return {f"{name}{suffix}": m.weight.detach().numpy() for name, m in net.named_modules() if isinstance(m, nn.Conv2d)}


def test_torch_state_dicts_in_registration_order(tmp_path):
    net = sequential_net()
    want = expected_convs(net)
    assert list(want) == ["0.weight", "2.weight", "4.weight", "6.weight", "8.weight", "10.weight"]
    sd = net.state_dict()
    files = {
        "plain.pt": sd,
        "wrapped.pth": {"state_dict": sd, "epoch": 3},
        "checkpoint.ckpt": {
            "model": sd,
            "optimizer": {"state": {0: {"momentum_buffer": torch.zeros(8, 3, 3, 3)}}},
            "epoch": 7,
            "best": 0.9,
        },
        "model_state.bin": {"model_state_dict": sd},
    }
    for name, obj in files.items():
        torch.save(obj, tmp_path / name)
        got = load_weights(tmp_path / name)
        assert_layers(got, want)  # BatchNorm (1-D) and Linear (2-D) weights are not kernels
        assert got.source == str(tmp_path / name) and got.groups == {}  # a state_dict states no groups
    torch.save(torch.from_numpy(want["2.weight"]), tmp_path / "conv.pt")  # a bare tensor: named after the file
    assert_layers(load_weights(tmp_path / "conv.pt"), {"conv": want["2.weight"]})


def test_torch_half_precision_and_kernel_names(tmp_path):
    w = kernel(4, 2, 3, 3)
    torch.save(
        {
            "enc.kernel": torch.from_numpy(w).half(),
            "enc.weight_v": torch.from_numpy(w),
            "mask": torch.ones(1, 1, 3, 3),
            "head.weight": torch.from_numpy(w).to(torch.bfloat16),
        },
        tmp_path / "w.pt",
    )
    got = load_weights(tmp_path / "w.pt")
    assert list(got) == ["enc.kernel", "head.weight"]  # the name rule: ends in 'weight' or 'kernel'
    np.testing.assert_allclose(got["enc.kernel"], w, atol=2e-3)
    np.testing.assert_allclose(got["head.weight"], w, rtol=1e-2, atol=1e-2)


def test_conv_weights_of_modules_with_groups(tmp_path):
    from fasttda.nets import conv_weights

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.expand = nn.Conv2d(4, 8, 1)
            self.depthwise = nn.Conv2d(8, 8, 3, groups=8)
            self.grouped = nn.Conv2d(8, 4, 3, groups=2)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 4, 7, stride=2)
            self.block = Block()
            self.head = nn.Linear(4, 2)
            self.again = self.stem  # shared: listed once

    net = Net()
    got = conv_weights(net)
    want = {
        "stem": net.stem.weight,
        "block.expand": net.block.expand.weight,
        "block.depthwise": net.block.depthwise.weight,
        "block.grouped": net.block.grouped.weight,
    }
    assert_layers(got, {k: v.detach().numpy() for k, v in want.items()})
    assert got.groups == {"stem": 1, "block.expand": 1, "block.depthwise": 8, "block.grouped": 2}
    assert got["block.grouped"].shape == (4, 4, 3, 3)  # (out, in / groups, kh, kw)
    # the same kernels as the module's state_dict read back from a file
    torch.save(net.state_dict(), tmp_path / "net.pt")
    from_file = load_weights(tmp_path / "net.pt")
    assert [k.removesuffix(".weight") for k in from_file] == list(got) + ["again"]  # a state_dict repeats shared
    np.testing.assert_array_equal(from_file.pop("again.weight"), got["stem"])
    for a, b in zip(from_file.values(), got.values()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        conv_weights({"a": 1})
    with pytest.raises(ValueError, match="no 2-D convolution"):
        conv_weights(nn.Sequential(nn.Linear(2, 2)))
    with pytest.raises(ValueError, match="lazy"):
        conv_weights(nn.Sequential(nn.LazyConv2d(4, 3)))


# ---------------------------------------------------------------- safetensors


def test_safetensors_sorted_with_numbers_as_numbers(tmp_path):
    from safetensors.numpy import save_file

    want = {
        "features.0.weight": kernel(8, 3, 3, 3),
        "features.2.weight": kernel(8, 8, 3, 3),
        "features.10.weight": kernel(4, 8, 5, 5),
    }
    save_file(
        {**want, "features.0.bias": kernel(8), "classifier.weight": kernel(2, 4), "features.3.running_var": kernel(8)},
        tmp_path / "m.safetensors",
    )
    assert_layers(load_weights(tmp_path / "m.safetensors"), want)
    assert sorted(["conv10", "conv2", "conv1"], key=natural_key) == ["conv1", "conv2", "conv10"]


def test_safetensors_bfloat16(tmp_path):
    from safetensors.torch import save_file

    w = torch.from_numpy(kernel(4, 2, 3, 3)).to(torch.bfloat16)
    save_file({"conv.weight": w, "f16.weight": w.half()}, tmp_path / "bf.safetensors")
    got = load_weights(tmp_path / "bf.safetensors")
    np.testing.assert_array_equal(got["conv.weight"], w.float().numpy())  # exact: bf16 widens losslessly
    np.testing.assert_array_equal(got["f16.weight"], w.half().float().numpy())


# ---------------------------------------------------------------- ONNX


def onnx_model(shuffle=False, quantized=False):
    """X -> Conv(W1) -> Relu -> Conv(W2 via Identity, depthwise) -> Y; W2's name is generated."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w1, w2 = kernel(8, 3, 3, 3), kernel(8, 1, 5, 5)
    nodes = [
        helper.make_node("Conv", ["X", "conv1.weight"], ["h"], name="/conv1/Conv"),
        helper.make_node("Relu", ["h"], ["r"], name="/relu/Relu"),
        helper.make_node("Identity", ["onnx::Conv_7"], ["w2"], name="/ident"),
        helper.make_node("Conv", ["r", "w2"], ["Y"], name="/dw/Conv", group=8),
    ]
    inits = [numpy_helper.from_array(w1, "conv1.weight"), numpy_helper.from_array(w2, "onnx::Conv_7")]
    if quantized:
        nodes.append(helper.make_node("QLinearConv", ["Y", "s", "z", "qw", "s", "z", "s", "z"], ["Q"], name="/q"))
    if shuffle:  # a file whose nodes are not in topological order: the reader still walks the graph
        nodes = [nodes[3], nodes[2], nodes[1], nodes[0]] + nodes[4:]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        initializer=inits,
    )
    return onnx.helper.make_model(graph), {"conv1.weight": w1, "/dw/Conv": w2}


@pytest.mark.parametrize("shuffle", [False, True])
def test_onnx_conv_weights_followed_through_the_graph(tmp_path, shuffle):
    import onnx

    model, want = onnx_model(shuffle=shuffle)
    onnx.save(model, tmp_path / "m.onnx")
    got = load_weights(tmp_path / "m.onnx")
    assert_layers(got, want)  # the generated name onnx::Conv_7 gives way to the node's name
    assert got.groups == {"conv1.weight": 1, "/dw/Conv": 8}


def test_onnx_quantized_convolutions_are_skipped_with_a_note(tmp_path):
    import onnx

    model, want = onnx_model(quantized=True)
    onnx.save(model, tmp_path / "q.onnx")
    got = load_weights(tmp_path / "q.onnx")
    assert_layers(got, want)
    assert any("/q" in n and "QLinearConv" in n for n in got.notes)


def test_onnx_graph_without_conv(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["X"], ["Y"])],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1])],
    )
    onnx.save(helper.make_model(graph), tmp_path / "relu.onnx")
    with pytest.raises(ValueError, match="holds no conv kernel"):
        load_weights(tmp_path / "relu.onnx")


# ---------------------------------------------------------------- Keras


def keras_conv(kh, kw, cin, cout):
    return kernel(kh, kw, cin, cout)


def as_torch_layout(k):
    return k.transpose(3, 2, 0, 1)


def as_depthwise(k):
    kh, kw, cin, mult = k.shape
    out = np.empty((cin * mult, 1, kh, kw), np.float32)
    for c in range(cin):
        for m in range(mult):
            out[c * mult + m, 0] = k[:, :, c, m]  # output channel c*mult+m filters input channel c
    return out


def write_keras2(f, layers):
    """Keras 2 layout by hand: layer_names in order, weight_names per layer, datasets under them."""
    f.attrs["layer_names"] = [n.encode() for n, _ in layers]
    for name, weights in layers:
        g = f.create_group(name)
        g.attrs["weight_names"] = [f"{name}/{w}".encode() for w, _ in weights]
        for w, value in weights:
            g[f"{name}/{w}"] = value


@pytest.mark.parametrize("full_model", [True, False])
def test_keras2_h5(tmp_path, full_model):
    import h5py

    zeta, dw, pw = keras_conv(3, 3, 3, 8), keras_conv(5, 5, 8, 2), keras_conv(1, 1, 16, 4)
    layers = [
        ("zeta_conv", [("kernel:0", zeta), ("bias:0", kernel(8))]),
        ("pool", []),
        ("alpha_dw", [("depthwise_kernel:0", dw), ("bias:0", kernel(16))]),
        ("sep", [("depthwise_kernel:0", dw), ("pointwise_kernel:0", pw)]),
        ("dense", [("kernel:0", kernel(10, 2)), ("bias:0", kernel(2))]),
    ]
    with h5py.File(tmp_path / "m.h5", "w") as f:
        if full_model:
            f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"layers": []}})
            write_keras2(f.create_group("model_weights"), layers)
        else:
            write_keras2(f, layers)
    got = load_weights(tmp_path / "m.h5")
    assert_layers(
        got,
        {
            "zeta_conv": as_torch_layout(zeta),
            "alpha_dw": as_depthwise(dw),
            "sep/depthwise_kernel": as_depthwise(dw),
            "sep/pointwise_kernel": as_torch_layout(pw),
        },
    )
    assert got.groups == {"zeta_conv": 1, "alpha_dw": 8, "sep/depthwise_kernel": 8, "sep/pointwise_kernel": 1}


def write_keras3(f, layers):
    for name, variables in layers:
        g = f.create_group(f"layers/{name}/vars")
        for i, value in enumerate(variables):
            g[str(i)] = value


def test_keras3_weights_h5_without_config_in_natural_order(tmp_path):
    import h5py

    k1, k2, k10 = keras_conv(3, 3, 1, 4), keras_conv(3, 3, 4, 4), keras_conv(3, 3, 4, 2)
    with h5py.File(tmp_path / "m.weights.h5", "w") as f:
        write_keras3(
            f,
            [
                ("conv2d_10", [k10, kernel(2)]),
                ("conv2d", [k1, kernel(4)]),
                ("conv2d_2", [k2, kernel(4)]),
                ("dense", [kernel(8, 2)]),
            ],
        )
        f.create_group("optimizer/vars")["0"] = k1  # an Adam moment of a kernel: not a layer
        f.create_group("vars")
    assert_layers(
        load_weights(tmp_path / "m.weights.h5"),
        {"conv2d": as_torch_layout(k1), "conv2d_2": as_torch_layout(k2), "conv2d_10": as_torch_layout(k10)},
    )


def test_keras3_archive_in_config_order(tmp_path):
    import h5py

    zeta, alpha, inner = keras_conv(3, 3, 3, 6), keras_conv(3, 3, 6, 2), keras_conv(7, 7, 12, 5)
    config = {
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "layers": [
                {"class_name": "InputLayer", "config": {"name": "input_layer"}},
                {"class_name": "Conv2D", "config": {"name": "zeta", "kernel_size": [3, 3]}},
                {"class_name": "DepthwiseConv2D", "config": {"name": "alpha", "depth_multiplier": 2}},
                {
                    "class_name": "Functional",
                    "config": {"name": "tower", "layers": [{"class_name": "Conv2D", "config": {"name": "inner"}}]},
                },
                {"class_name": "Dense", "config": {"name": "dense"}},
            ],
        },
    }
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        write_keras3(f, [("alpha", [alpha, kernel(12)]), ("dense", [kernel(5, 2)]), ("zeta", [zeta, kernel(6)])])
        write_keras3(f.create_group("layers/tower"), [("inner", [inner])])
    with zipfile.ZipFile(tmp_path / "m.keras", "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buf.getvalue())
    got = load_weights(tmp_path / "m.keras")
    assert_layers(got, {"zeta": as_torch_layout(zeta), "alpha": as_depthwise(alpha), "inner": as_torch_layout(inner)})
    assert got.groups == {"zeta": 1, "alpha": 6, "inner": 1}


# ---------------------------------------------------------------- NumPy


def test_npz_and_npy(tmp_path):
    a, b = kernel(8, 1, 3, 3), kernel(4, 8, 5, 5)
    np.savez(tmp_path / "w.npz", zconv=a, bias=kernel(8), aconv=b, counts=np.ones((2, 2, 3, 3), np.int64))
    assert_layers(load_weights(tmp_path / "w.npz"), {"zconv": a, "aconv": b})  # savez order, floats only
    np.save(tmp_path / "layer.npy", b.astype(np.float64))
    assert_layers(load_weights(tmp_path / "layer.npy"), {"layer": b})
    np.save(tmp_path / "slices.npy", kernel(10, 3, 3))
    with pytest.raises(ValueError, match=r"shape \(10, 3, 3\), not a conv kernel"):
        load_weights(tmp_path / "slices.npy")
    assert load_layer(tmp_path / "slices.npy").shape == (10, 3, 3)  # one array, any shape filter_vectors takes
    np.testing.assert_array_equal(load_layer(tmp_path / "w.npz", 2), b)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shapes=st.lists(
        st.tuples(st.integers(1, 5), st.integers(1, 4), st.sampled_from([1, 3, 5]), st.just(0)), min_size=1, max_size=5
    ),
    fmt=st.sampled_from(["npz", "pt", "safetensors"]),
)
def test_round_trip_of_random_networks(tmp_path, shapes, fmt):
    want = {f"block{i}.conv.weight": kernel(o, c, k, k) for i, (o, c, k, _) in enumerate(shapes)}
    path = tmp_path / f"net.{fmt}"
    if fmt == "npz":
        np.savez(path, **want)
    elif fmt == "pt":
        torch.save({k: torch.from_numpy(v) for k, v in want.items()}, path)
    else:
        from safetensors.numpy import save_file

        save_file(want, path)
    assert_layers(load_weights(path), want)


# ---------------------------------------------------------------- damaged, mislabelled, empty


def write_every_format(folder):
    import h5py
    import onnx
    from safetensors.numpy import save_file

    w = kernel(4, 2, 3, 3)
    paths = {}
    paths["pt"] = folder / "a.pt"
    torch.save({"conv.weight": torch.from_numpy(w)}, paths["pt"])
    paths["safetensors"] = folder / "a.safetensors"
    save_file({"conv.weight": w}, paths["safetensors"])
    paths["onnx"] = folder / "a.onnx"
    onnx.save(onnx_model()[0], paths["onnx"])
    paths["h5"] = folder / "a.h5"
    with h5py.File(paths["h5"], "w") as f:
        write_keras2(f, [("conv", [("kernel:0", np.ascontiguousarray(np.tile(w.T, (1, 1, 1, 500))))])])
    paths["npz"] = folder / "a.npz"
    np.savez(paths["npz"], conv=w)
    paths["npy"] = folder / "a.npy"
    np.save(paths["npy"], w)
    paths["keras"] = folder / "a.keras"
    with zipfile.ZipFile(paths["keras"], "w") as z:
        buf = io.BytesIO()
        with h5py.File(buf, "w") as f:
            write_keras3(f, [("conv", [np.tile(w.T, (1, 1, 1, 500))])])
        z.writestr("config.json", "{}")
        z.writestr("model.weights.h5", buf.getvalue())
    return paths


@pytest.mark.parametrize("fmt", ["pt", "safetensors", "onnx", "h5", "npz", "npy", "keras"])
def test_truncated_files(tmp_path, fmt):
    path = write_every_format(tmp_path)[fmt]
    assert load_weights(path)  # whole, it reads
    truncate(path)
    with pytest.raises(ValueError) as err:
        load_weights(path)
    message = str(err.value)
    assert str(path) in message and "\n" not in message
    assert any(w in message for w in ("truncated", "damaged", "not a readable", "not an ONNX")), message


def test_content_that_is_not_what_the_suffix_says(tmp_path):
    paths = write_every_format(tmp_path)
    cases = [
        ("npz", ".pt", "is named .pt but holds a NumPy .npz archive"),
        ("pt", ".npz", "is named .npz but holds a PyTorch zip archive"),
        ("h5", ".onnx", "is named .onnx but holds an HDF5"),
        ("safetensors", ".h5", "is named .h5 but holds a safetensors file"),
        ("npy", ".safetensors", "is named .safetensors but holds a NumPy .npy array"),
        ("onnx", ".h5", "not a readable Keras HDF5 file"),
        ("onnx", ".npy", "not a readable .npy array"),
        ("keras", ".npz", "holds a Keras 3 .keras archive"),
    ]
    for fmt, suffix, message in cases:
        wrong = tmp_path / f"wrong_{fmt}{suffix}"
        wrong.write_bytes(paths[fmt].read_bytes())
        with pytest.raises(ValueError, match=message):
            load_weights(wrong)
    (tmp_path / "text.onnx").write_bytes(b"this is a text file, not a protobuf message\n" * 3)
    with pytest.raises(ValueError, match="ONNX"):
        load_weights(tmp_path / "text.onnx")
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(ValueError, match="is empty"):
        load_weights(tmp_path / "empty.pt")
    with pytest.raises(ValueError, match="unknown suffix '.tflite'"):
        load_weights(tmp_path / "m.tflite")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_weights(tmp_path / "missing.pt")


def test_files_without_conv_kernels(tmp_path):
    from safetensors.numpy import save_file

    torch.save(nn.Linear(3, 2).state_dict(), tmp_path / "linear.pt")
    np.savez(tmp_path / "flat.npz", w=kernel(3, 9))
    save_file({"emb.weight": kernel(10, 4)}, tmp_path / "emb.safetensors")
    torch.save([torch.zeros(2, 2, 3, 3)], tmp_path / "list.pt")
    for name in ("linear.pt", "flat.npz", "emb.safetensors"):
        with pytest.raises(ValueError, match="holds no conv kernel"):
            load_weights(tmp_path / name)
    with pytest.raises(ValueError, match="holds a list, not a state_dict"):
        load_weights(tmp_path / "list.pt")


def test_missing_optional_dependency_names_the_extra(tmp_path, monkeypatch):
    import onnx

    onnx.save(onnx_model()[0], tmp_path / "m.onnx")
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now fails, as without the package
    with pytest.raises(ImportError, match=r"pip install 'fasttda\[formats\]'"):
        load_weights(tmp_path / "m.onnx")


# ---------------------------------------------------------------- files that would run code


class Payload:
    """Unpickling this writes the marker file: what a crafted weights file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').close()",)


def test_a_pickle_that_runs_code_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    # the payload is live: a plain unpickling does run it
    pickle.loads(pickle.dumps(Payload(tmp_path / "proof"), protocol=2))
    assert (tmp_path / "proof").exists()

    torch.save({"conv.weight": torch.zeros(4, 1, 3, 3), "hook": Payload(marker)}, tmp_path / "zip.pt")
    (tmp_path / "legacy.pth").write_bytes(pickle.dumps({"conv.weight": Payload(marker)}, protocol=2))
    np.save(tmp_path / "objects.npy", np.array([Payload(marker)], dtype=object), allow_pickle=True)
    np.savez(tmp_path / "objects.npz", conv=kernel(2, 1, 3, 3), hook=np.array([Payload(marker)], dtype=object))
    for name, message in [
        ("zip.pt", "holds Python objects other than tensors"),
        ("legacy.pth", "holds Python objects other than tensors"),
        ("objects.npy", "holds pickled Python objects"),
        ("objects.npz", "holds pickled Python objects"),
    ]:
        with pytest.raises(ValueError, match=message):
            load_weights(tmp_path / name)
        assert not marker.exists(), name
    with pytest.raises(ValueError, match="pickled Python objects"):
        load_layer(tmp_path / "objects.npy")
    assert not marker.exists()


def test_public_api():
    assert fasttda.load_weights is load_weights
    assert fasttda.analyze_layers is not None
