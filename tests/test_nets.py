"""The torch front end: datasets, networks, ensemble training, store, recorder, extraction."""

import gzip
import pickle
import struct

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import fasttda  # noqa: E402
from fasttda import nets  # noqa: E402
from fasttda.nets import datasets  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def tiny_dataset(n=96, channels=1, side=28, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, channels, side, side, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    return datasets.Dataset("tiny", x, y, x[:32], y[:32], [str(i) for i in range(10)], (0.0,), (1.0,))


# ---------------------------------------------------------------- networks


def test_mnist2_and_cifar2_shapes():
    assert nets.mnist2()(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert nets.cifar2()(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert nets.vgg_small()(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    convs = nets.conv_layers(nets.mnist2())
    assert list(convs) == [1, 2]
    assert convs[1][1].out_channels == 64 and convs[2][1].out_channels == 32
    assert tuple(convs[1][1].weight.shape) == (64, 1, 3, 3)
    assert len(nets.conv_layers(nets.vgg_small())) == 8


@pytest.mark.parametrize("name,shape", [("mnist2", (1, 28, 28)), ("cifar2", (3, 32, 32)), ("vgg_small", (3, 32, 32))])
def test_batched_forward_equals_each_network(name, shape):
    from fasttda.nets import _ensemble, train

    seeds = [0, 1, 2]
    nets_ = [train.init_model(lambda: nets.models.build(name), s) for s in seeds]
    params, _ = train._stack(nets_, "cpu")
    steps = _ensemble.plan(nets_[0])
    assert steps is not None
    x = torch.randn(len(seeds), 4, *shape)
    with torch.no_grad():
        want = torch.stack([n(x[i]) for i, n in enumerate(nets_)])
        got = _ensemble.forward(steps, params, x)
        nchw = _ensemble.forward(steps, params, x, channels_last=False)
        shared = _ensemble.forward(steps, params, x[0], shared_input=True)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(nchw, want, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(shared, torch.stack([n(x[0]) for n in nets_]).detach(), atol=1e-5, rtol=1e-4)

    class Custom(torch.nn.Sequential):
        def forward(self, x):
            return super().forward(x) * 2

    assert _ensemble.plan(Custom(torch.nn.Conv2d(1, 2, 3))) is None


def test_vgg16_state_dict_round_trip(tmp_path):
    model = nets.vgg16(n_classes=10)
    keys = list(model.state_dict())
    convs = [f"features.{i}.weight" for i in (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)]
    assert [k for k in keys if k.endswith("weight") and k.startswith("features")] == convs
    assert {k for k in keys if k.startswith("classifier")} == {
        f"classifier.{i}.{p}" for i in (0, 3, 6) for p in ("weight", "bias")
    }
    assert tuple(model.state_dict()["classifier.0.weight"].shape) == (4096, 512 * 7 * 7)
    layers = nets.conv_layers(model)
    assert len(layers) == 13 and layers[1][0] == "features.0.weight" and layers[13][0] == "features.28.weight"
    path = tmp_path / "vgg16.pth"
    torch.save(model.state_dict(), path)
    loaded = nets.load_vgg16(path)
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v)
    # the layer-2 filters of the file, read by key, as filter vectors
    fv = nets.layer_filters(path, layer=2)
    assert fv.n_slices == 64 * 64


def test_vgg16_bad_files(tmp_path):
    bad = tmp_path / "not_vgg.pth"
    torch.save({"conv.weight": torch.zeros(3, 3, 3, 3)}, bad)
    with pytest.raises(ValueError, match="not a torchvision VGG16 state_dict"):
        nets.load_vgg16(bad)
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"hello")
    with pytest.raises(ValueError, match="not a readable torch state_dict"):
        nets.load_vgg16(junk)
    with pytest.raises(FileNotFoundError):
        nets.load_vgg16(tmp_path / "missing.pth")


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown model"):
        nets.models.build("resnet")
    with pytest.raises(ValueError, match="unknown dataset"):
        nets.load("imagenet")
    with pytest.raises(ValueError, match="local folder"):
        nets.load("cifar10")
    with pytest.raises(ValueError, match="layer 3 does not exist"):
        nets.models.conv_weight_names(nets.mnist2(), [3])


# ---------------------------------------------------------------- datasets


def write_idx(path, array, gz=False):
    codes = {np.uint8: 0x08, np.int32: 0x0C}
    a = np.asarray(array)
    header = bytes([0, 0, codes[a.dtype.type], a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape)
    data = header + a.astype(a.dtype.newbyteorder(">")).tobytes()
    if gz:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_reader(tmp_path, gz):
    rng = np.random.default_rng(0)
    parts = {"train": 12, "t10k": 5}
    raw = {}
    for part, n in parts.items():
        x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, n).astype(np.uint8)
        write_idx(tmp_path / f"{part}-images-idx3-ubyte", x, gz)
        write_idx(tmp_path / f"{part}-labels-idx1-ubyte", y, gz)
        raw[part] = (x, y)
    ds = nets.load("mnist", tmp_path)
    assert ds.x_train.shape == (12, 1, 28, 28) and ds.x_test.shape == (5, 1, 28, 28)
    assert ds.x_train.dtype == torch.float32
    assert torch.equal(ds.y_train, torch.as_tensor(raw["train"][1], dtype=torch.int64))
    # normalisation is the train set's: undo it and get the bytes back
    back = ds.x_train * ds.std[0] + ds.mean[0]
    assert np.allclose(back.numpy()[:, 0] * 255, raw["train"][0], atol=1e-3)
    assert abs(float(ds.x_train.mean())) < 1e-4


def test_mnist_bad_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        nets.load("mnist", tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nets.load("mnist", tmp_path / "nope")
    for stem in (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ):
        (tmp_path / stem).write_bytes(b"\x00\x00\x08\x03" + struct.pack(">3I", 10, 28, 28) + b"\x00" * 50)
    with pytest.raises(ValueError, match="truncated"):
        nets.load("mnist", tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(tmp_path / "train-images-idx3-ubyte")


def write_cifar(folder, n=6, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        d = {
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"labels": [int(v) for v in rng.integers(0, 10, n)],
            b"batch_label": name.encode(),
        }
        with open(folder / name, "wb") as f:
            pickle.dump(d, f, protocol=2)
        batches[name] = d
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [c.encode() for c in datasets.CIFAR_CLASSES]}, f)
    return batches


def test_cifar10_reader(tmp_path):
    batches = write_cifar(tmp_path / "cifar-10-batches-py")
    ds = nets.load("cifar10", tmp_path / "cifar-10-batches-py")
    assert ds.x_train.shape == (30, 3, 32, 32) and ds.x_test.shape == (6, 3, 32, 32)
    assert ds.classes[0] == "airplane"
    first = batches["data_batch_1"][b"data"][0].reshape(3, 32, 32)
    back = (ds.x_train[0] * torch.tensor(ds.std)[:, None, None] + torch.tensor(ds.mean)[:, None, None]) * 255
    assert np.allclose(back.numpy(), first, atol=1e-3)
    assert ds.y_train.tolist()[:6] == batches["data_batch_1"][b"labels"]
    # the parent folder works too
    assert len(nets.load("cifar10", tmp_path).x_train) == 30


def test_cifar10_bad_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        nets.load("cifar10", tmp_path)
    write_cifar(tmp_path)
    (tmp_path / "data_batch_3").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="data_batch_3 is not a CIFAR-10 python batch"):
        nets.load("cifar10", tmp_path)
    with open(tmp_path / "data_batch_3", "wb") as f:
        pickle.dump({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, f)
    with pytest.raises(ValueError, match="3072"):
        nets.load("cifar10", tmp_path)


def test_builtin_datasets():
    m = nets.load("mnist5k")
    assert m.x_train.shape == (4000, 1, 28, 28) and m.x_test.shape == (1000, 1, 28, 28)
    assert m.y_train.bincount().tolist() == [400] * 10 and m.y_test.bincount().tolist() == [100] * 10
    n = nets.load("natural10", n_train=20, n_test=5)
    assert n.x_train.shape == (200, 3, 32, 32) and n.x_test.shape == (50, 3, 32, 32)
    assert len(n.classes) == 10 and n.y_train.bincount().tolist() == [20] * 10
    assert torch.isfinite(n.x_train).all()


def raw_pixels(ds, x):
    """Normalised images back to their [0, 255] pixel values."""
    mean = torch.tensor(ds.mean)[:, None, None]
    std = torch.tensor(ds.std)[:, None, None]
    return (x * std + mean) * 255


def test_natural_rotation_shapes_and_balanced_labels():
    d = nets.load("natural_rotation", n_train=5, n_test=2, scales=(1,))
    n_photos = len(datasets.NATURAL_ROTATION)  # every photograph holds a 32x32 crop in its bottom quarter
    assert d.x_train.shape == (4 * 5 * n_photos, 3, 32, 32) and d.x_test.shape == (4 * 2 * n_photos, 3, 32, 32)
    assert d.classes == ["0", "90", "180", "270"]
    assert d.y_train.bincount().tolist() == [5 * n_photos] * 4 and d.y_test.bincount().tolist() == [2 * n_photos] * 4
    assert d.x_train.dtype == torch.float32 and torch.isfinite(d.x_train).all() and torch.isfinite(d.x_test).all()
    # normalised with the training set's per-channel statistics
    np.testing.assert_allclose(d.x_train.mean(dim=(0, 2, 3)).numpy(), 0, atol=1e-4)
    np.testing.assert_allclose(d.x_train.std(dim=(0, 2, 3)).numpy(), 1, atol=1e-3)


def test_natural_rotation_labels_are_the_rotation():
    d = nets.load("natural_rotation", n_train=4, n_test=3, scales=(1, 2))
    for x, y in ((d.x_train, d.y_train), (d.x_test, d.y_test)):
        n = len(x) // 4
        upright = x[y == 0]
        assert len(upright) == n
        for k in (1, 2, 3):  # the same crops, turned k quarter turns anticlockwise, in the same order
            assert torch.equal(x[y == k], torch.rot90(upright, k, dims=(2, 3)))


def test_natural_rotation_train_and_test_rows_are_disjoint(monkeypatch):
    # Photographs whose red channel is the row index: a crop's red values say which rows it came from.
    rows, cols = 240, 300
    photo = np.zeros((rows, cols, 3), np.uint8)
    photo[:, :, 0] = np.arange(rows)[:, None]
    photo[:, :, 1] = (np.arange(cols) % 256)[None, :]
    monkeypatch.setattr(datasets, "_read_image", lambda path: photo)
    d = nets.load("natural_rotation", n_train=30, n_test=10, scales=(1, 2))
    split = 3 * rows // 4
    red_train = raw_pixels(d, d.x_train[d.y_train == 0])[:, 0].round()
    red_test = raw_pixels(d, d.x_test[d.y_test == 0])[:, 0].round()
    assert red_train.max() < split <= red_test.min()
    # upright crops keep rows horizontal: the red value is constant along each row
    assert (red_train.amax(dim=2) == red_train.amin(dim=2)).all()


def test_natural_rotation_is_deterministic_with_seed():
    a = nets.load("natural_rotation", n_train=3, n_test=2, scales=(2,), seed=5)
    b = nets.load("natural_rotation", n_train=3, n_test=2, scales=(2,), seed=5)
    c = nets.load("natural_rotation", n_train=3, n_test=2, scales=(2,), seed=6)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.x_test, b.x_test)
    assert torch.equal(a.y_train, b.y_train) and torch.equal(a.y_test, b.y_test)
    assert not torch.equal(a.x_train, c.x_train)


def test_natural_rotation_bad_arguments(monkeypatch):
    with pytest.raises(ValueError, match="n_train and n_test"):
        nets.load("natural_rotation", n_train=0)
    with pytest.raises(ValueError, match="scales"):
        nets.load("natural_rotation", scales=(0,))
    monkeypatch.setattr(datasets, "_read_image", lambda path: np.zeros((60, 60, 3), np.uint8))
    with pytest.raises(ValueError, match="bottom quarter"):
        nets.load("natural_rotation", n_train=2, n_test=1)


# ---------------------------------------------------------------- training


def test_ensemble_seeds_match_separate_runs(monkeypatch):
    from fasttda.nets import train

    monkeypatch.setattr(train, "_INDEX_BLOCK", 4)  # 6 iterations cross a block of batch indices
    data = tiny_dataset()
    both = nets.train_ensemble(
        "mnist2",
        data,
        seeds=[3, 7],
        iterations=6,
        batch_size=16,
        optimizer="sgd",
        lr=0.05,
        momentum=0.9,
        checkpoints=[0, 6],
        device="cpu",
    )
    for i, s in enumerate([3, 7]):
        alone = nets.train_ensemble(
            "mnist2",
            data,
            seeds=[s],
            iterations=6,
            batch_size=16,
            optimizer="sgd",
            lr=0.05,
            momentum=0.9,
            checkpoints=[0, 6],
            device="cpu",
        )
        for layer in (1, 2):
            assert np.array_equal(both.weights(layer, 0)[i], alone.weights(layer, 0)[0])
            np.testing.assert_allclose(both.weights(layer, 6)[i], alone.weights(layer, 6)[0], atol=1e-5)
        for k, v in alone.params.items():
            np.testing.assert_allclose(both.params[k][i].numpy(), v[0].numpy(), atol=1e-5)
        # and the ordinary per-seed PyTorch loop with the same seed agrees too
        plain = nets.train_plain(
            "mnist2", data, seed=s, iterations=6, batch_size=16, optimizer="sgd", lr=0.05, momentum=0.9, device="cpu"
        )
        np.testing.assert_allclose(both.weights(1, 6)[i], plain.conv1.weight.detach().numpy(), atol=1e-5)
    assert not np.allclose(both.weights(1, 6)[0], both.weights(1, 6)[1])


def test_ensemble_adam_vmap_path_matches_fast_path():
    data = tiny_dataset(n=64, channels=3, side=32)
    kw = dict(seeds=[0, 1], iterations=3, batch_size=8, optimizer="adam", device="cpu")
    fast = nets.train_ensemble("cifar2", data, **kw)
    slow = nets.train_ensemble("cifar2", data, fast=False, **kw)
    for k in fast.params:
        np.testing.assert_allclose(fast.params[k].numpy(), slow.params[k].numpy(), atol=1e-5)
    net = fast.network(1)
    assert torch.allclose(net.conv1.weight, fast.params["conv1.weight"][1])


def test_mnist2_learns_mnist5k():
    torch.manual_seed(0)
    ens = nets.train_ensemble(
        "mnist2",
        "mnist5k",
        seeds=[0],
        iterations=200,
        batch_size=32,
        optimizer="sgd",
        lr=0.05,
        momentum=0.9,
        checkpoints=[0, 200],
        device="cpu",
    )
    assert ens.accuracy[0].max() < 0.3
    assert ens.accuracy[200].min() > 0.8, ens.accuracy  # chance is 0.1
    assert ens.loss[-10:].mean() < ens.loss[:10].mean() / 2


def test_bad_training_arguments():
    data = tiny_dataset()
    with pytest.raises(ValueError, match="checkpoints"):
        nets.train_ensemble("mnist2", data, seeds=[0], iterations=5, checkpoints=[10], device="cpu")
    with pytest.raises(ValueError, match="optimizer"):
        nets.train_ensemble("mnist2", data, seeds=[0], iterations=2, optimizer="lbfgs", device="cpu")
    with pytest.raises(ValueError, match="channel"):
        nets.train_ensemble("cifar2", data, seeds=[0], iterations=2, device="cpu")
    with pytest.raises(ValueError, match="batch_size"):
        nets.train_ensemble("mnist2", data, seeds=[0], iterations=2, batch_size=1000, device="cpu")
    with pytest.raises(TypeError, match="fresh network"):
        nets.train_ensemble(nets.mnist2(), data, seeds=[0], iterations=2, device="cpu")
    assert nets.pick_device("auto").type in ("cpu", "cuda")


# ---------------------------------------------------------------- store, recorder, extraction


@pytest.mark.parametrize("on_disk", [False, True])
def test_checkpoints_to_filter_vectors(tmp_path, on_disk):
    data = tiny_dataset()
    store = str(tmp_path / "store") if on_disk else None
    ens = nets.train_ensemble(
        "mnist2",
        data,
        seeds=[0, 1, 2],
        iterations=4,
        batch_size=16,
        checkpoints=[0, 2, 4],
        layers=[1, 2],
        store=store,
        device="cpu",
    )
    assert ens.store.keys()[:2] == [(0, 0, 1), (0, 0, 2)]
    assert ens.store.iterations() == [0, 2, 4] and ens.store.runs() == [0, 1, 2]
    seen = list(nets.iter_weights(ens, layers=[2], iterations=[4]))
    assert [(s, it, layer) for s, it, layer, _ in seen] == [(0, 4, 2), (1, 4, 2), (2, 4, 2)]
    assert seen[0][3].shape == (32, 64, 3, 3)
    fv = nets.layer_filters(ens, layer=1, iteration=2)
    assert isinstance(fv, fasttda.FilterVectors) and fv.networks == 3 and fv.n_slices == 3 * 64
    assert fv.points.shape[1] == 8 and np.allclose(np.linalg.norm(fv.points, axis=1), 1, atol=1e-5)
    mean = nets.layer_filters(ens, layer=2, iteration=4, channels="mean")
    assert mean.n_slices == 3 * 32
    each = nets.layer_filters(ens, layer=2, iteration=4, channels="each")
    assert each.n_slices == 3 * 32 * 64
    keys = [k for k, _ in nets.iter_filter_vectors(ens, layers=[1, 2], iterations=[0, 4])]
    assert keys == [(0, 1), (0, 2), (4, 1), (4, 2)]
    if on_disk:  # a fresh store object reads the folder back
        again = nets.WeightStore(store)
        assert again.keys() == ens.store.keys()
        assert np.array_equal(again.get(4, 1, run=2), ens.weights(1, 4)[2])
    with pytest.raises(ValueError, match="channels"):
        nets.layer_filters(ens, layer=1, channels="sum")
    with pytest.raises(KeyError, match="no layer 1 of run 9"):
        ens.store.get(4, 1, run=9)


def test_recorder_in_a_users_loop(tmp_path):
    torch.manual_seed(0)
    model = nets.mnist2()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    data = tiny_dataset()
    rec = nets.WeightRecorder(model, layers=[1], every=3, store=tmp_path / "rec")
    hooked = nets.WeightRecorder(model, layers=[1, 2], every=3).attach()
    for i in range(7):
        x, y = data.x_train[i * 8 : (i + 1) * 8], data.y_train[i * 8 : (i + 1) * 8]
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        rec.step()
        if i == 2:
            after3 = model.conv1.weight.detach().clone()
    hooked.detach()
    assert rec.store.iterations() == [0, 3, 6] and rec.layers == [1]
    assert np.array_equal(rec.store.get(3, 1), after3.numpy())
    # the hook counts a step at each later forward, so it records the same weights
    assert hooked.store.iterations() == [0, 3, 6]
    assert np.array_equal(hooked.store.get(3, 1), after3.numpy())
    fv = nets.layer_filters(rec, layer=1, iteration=6)
    assert fv.n_slices == 64
    with pytest.raises(ValueError, match="every"):
        nets.WeightRecorder(model, every=0)


def test_trained_filters_pass_through_filter_vectors():
    ens = nets.train_ensemble("mnist2", tiny_dataset(), seeds=[0, 1], iterations=3, batch_size=16, device="cpu")
    w = ens.weights(1)
    assert w.shape == (2, 64, 1, 3, 3)
    fv = fasttda.filter_vectors(w)
    assert fv.networks == 2 and len(fv) > 100
    assert fasttda.filter_vectors(torch.from_numpy(w)).points.shape == fv.points.shape
    # straight from a module
    assert nets.layer_filters(ens.network(0), layer=1).n_slices == 64
