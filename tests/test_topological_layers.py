"""Circle and Klein bottle convolutions: kernels on the models, training, ensembles, networks, CLI;
the localised second layer: its neighbourhoods, its mask through training, its networks."""

import copy
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from fasttda import cli, models, nets  # noqa: E402
from fasttda.filters import filter_vectors  # noqa: E402
from fasttda.nets import CircleConv2d, KleinConv2d, LocalisedConv2d, _ensemble, datasets, topological, train  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

angle = st.floats(-10, 10, allow_nan=False)


def reference_klein(t1, t2, k=3):
    """The Klein patch by hand: the profiles u and 2u² − 1 on the k×k grid (x right, y down), each
    mean-centred and scaled to unit L2 norm, mixed by sin θ2 and cos θ2."""
    c = (k - 1) / 2
    u = np.array([[(math.cos(t1) * (j - c) + math.sin(t1) * (i - c)) / c for j in range(k)] for i in range(k)])
    parts = []
    for f in (u, 2 * u * u - 1):
        f = f - f.mean()
        parts.append(f / np.sqrt((f * f).sum()))
    return math.sin(t2) * parts[0] + math.cos(t2) * parts[1]


def tiny_dataset(n=96, channels=1, side=28, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, channels, side, side, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    return datasets.Dataset("tiny", x, y, x[:32], y[:32], [str(i) for i in range(10)], (0.0,), (1.0,))


# ---------------------------------------------------------------- kernels are the model's patches


@settings(max_examples=60, deadline=None)
@given(angle, angle, st.sampled_from([3, 5, 7]))
def test_model_patches_match_the_definition(t1, t2, k):
    np.testing.assert_allclose(models.klein_patches(t1, t2, k), reference_klein(t1, t2, k), atol=1e-12)
    np.testing.assert_allclose(models.circle_patches(t1, k), reference_klein(t1, math.pi / 2, k), atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(angle, angle), min_size=1, max_size=8), st.sampled_from([3, 5]))
def test_torch_kernels_equal_numpy_patches(pairs, k):
    t = np.array(pairs)
    want = models.klein_patches(t[:, 0], t[:, 1], k)
    got = topological.klein_kernels(torch.tensor(t[:, 0]), torch.tensor(t[:, 1]), k).numpy()
    np.testing.assert_allclose(got, want, atol=1e-12)
    np.testing.assert_allclose(
        topological.circle_kernels(torch.tensor(t[:, 0]), k).numpy(), models.circle_patches(t[:, 0], k), atol=1e-12
    )


@pytest.mark.parametrize("in_channels", [1, 3])
def test_layer_kernels_are_the_model_filters_on_every_input_channel(in_channels):
    circle = CircleConv2d(in_channels, 12)
    theta = 2 * np.pi * np.arange(12) / 12
    w = circle.weight.detach().double().numpy()
    assert w.shape == (12, in_channels, 3, 3)
    for i in range(in_channels):
        np.testing.assert_allclose(w[:, i], models.circle_patches(theta), atol=1e-6)
    klein = KleinConv2d(in_channels, 16, kernel_size=5)
    a = klein.angles.double().numpy()
    np.testing.assert_allclose(sorted(set(a[:, 0].round(9))), np.pi * np.arange(4) / 4, atol=1e-6)
    np.testing.assert_allclose(sorted(set(a[:, 1].round(9))), 2 * np.pi * np.arange(4) / 4, atol=1e-6)
    w = klein.weight.detach().double().numpy()
    for i in range(in_channels):
        np.testing.assert_allclose(w[:, i], models.klein_patches(a[:, 0], a[:, 1], 5), atol=1e-6)
    # mean zero and unit L2 contrast, as the analysis normalises filters
    np.testing.assert_allclose(w.sum(axis=(2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose((w**2).sum(axis=(2, 3)), 1, atol=1e-5)
    # a convolution with the kernel repeated over the inputs, summed over them
    x = torch.randn(2, in_channels, 9, 9)
    want = torch.nn.functional.conv2d(x.sum(1, keepdim=True), klein.weight[:, :1], klein.bias)
    torch.testing.assert_close(klein(x), want, atol=1e-5, rtol=1e-5)


def test_the_analysis_fits_recover_the_layer_angles():
    klein = KleinConv2d(1, 64)
    a = klein.angles.double().numpy()
    pts = filter_vectors(klein.weight.detach().numpy().astype(np.float64), min_contrast=0).points
    t1, t2, dist = models.klein_fit(pts)
    assert dist.max() < 0.02  # θ1 grid of half a degree
    np.testing.assert_allclose(t1, a[:, 0], atol=np.pi / 360)
    gap = np.angle(np.exp(1j * (t2 - a[:, 1])))
    assert np.abs(gap).max() < 0.02
    circle = CircleConv2d(1, 24)
    pts = filter_vectors(circle.weight.detach().numpy().astype(np.float64)).points
    theta, dist = models.circle_fit(pts)
    assert dist.max() < 1e-5
    # the circle_fit angle is measured in the DCT basis, e1 ∝ −x and e2 ∝ −y: θ + π
    want = circle.angles[:, 0].double().numpy() + np.pi
    assert np.abs(np.angle(np.exp(1j * (theta - want)))).max() < 1e-5


def test_even_angles():
    assert topological.even_angles("circle", 4)[:, 0].tolist() == pytest.approx([0, np.pi / 2, np.pi, 3 * np.pi / 2])
    grid = topological.even_angles("klein", 64)
    assert grid.shape == (64, 2) and len({tuple(r) for r in grid.round(9)}) == 64
    assert topological.even_angles("klein", 10).shape == (10, 2)  # the first 10 of a 4×4 grid
    assert topological.even_angles("klein", 1).tolist() == [[0.0, 0.0]]


@pytest.mark.parametrize("cls", [CircleConv2d, KleinConv2d])
def test_bad_arguments(cls):
    for k in (0, 1, 2, 4, 3.0, True):
        with pytest.raises(ValueError, match="kernel_size"):
            cls(1, 4, kernel_size=k)
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="in_channels"):
            cls(bad, 4)
        with pytest.raises(ValueError, match="out_channels"):
            cls(1, bad)
    with pytest.raises(ValueError, match="first"):
        nets.models.SmallCNN(first="gabor")
    with pytest.raises(ValueError, match="odd"):
        models.klein_patches(0.0, 0.0, k=4)


# ---------------------------------------------------------------- training


def _steps(net, n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(n):
        x = torch.randn(8, 1, 28, 28, generator=g)
        y = torch.randint(0, 10, (8,), generator=g)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()


@pytest.mark.parametrize("name", ["mnist2_circle", "mnist2_klein"])
def test_fixed_kernels_do_not_change_in_training(name):
    torch.manual_seed(0)
    net = nets.models.build(name)
    assert "conv1.angles" not in dict(net.named_parameters()) and "conv1.angles" in dict(net.named_buffers())
    w1, w2, b1 = net.conv1.weight.clone(), net.conv2.weight.clone(), net.conv1.bias.clone()
    _steps(net)
    assert torch.equal(net.conv1.weight, w1)
    assert not torch.allclose(net.conv2.weight, w2) and not torch.allclose(net.conv1.bias, b1)


@pytest.mark.parametrize("name", ["mnist2_circle_learned", "mnist2_klein_learned"])
def test_learned_angles_change_and_gradients_flow(name):
    torch.manual_seed(0)
    net = nets.models.build(name)
    assert "conv1.angles" in dict(net.named_parameters())
    start = net.conv1.angles.detach().clone()
    x, y = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
    torch.nn.functional.cross_entropy(net(x), y).backward()
    for p in (net.conv1.angles, net.conv1.bias, net.conv2.weight, net.fc2.weight):
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0
    # the gradient of the angles is the chain rule through the kernels: check against finite differences
    a = net.conv1.angles.detach().double().requires_grad_(True)
    probe = torch.randn(64, 3, 3, dtype=torch.float64)
    (net.conv1.kernels(a) * probe).sum().backward()
    eps = 1e-6
    for j, c in [(0, 0), (5, 0), (9, a.shape[1] - 1)]:
        d = torch.zeros_like(a)
        d[j, c] = eps
        with torch.no_grad():
            fd = ((net.conv1.kernels(a + d) - net.conv1.kernels(a - d)) * probe).sum() / (2 * eps)
        assert float(a.grad[j, c]) == pytest.approx(float(fd), rel=1e-5, abs=1e-8)
    net.zero_grad()
    _steps(net)
    assert not torch.allclose(net.conv1.angles, start)
    a = net.conv1.angles.detach().double().numpy()
    want = models.circle_patches(a[:, 0]) if "circle" in name else models.klein_patches(a[:, 0], a[:, 1])
    np.testing.assert_allclose(net.conv1.weight[:, 0].detach().numpy(), want, atol=1e-5)  # still on the model


# ---------------------------------------------------------------- networks and the ensemble trainer


@pytest.mark.parametrize(
    "name,shape",
    [
        ("mnist2_circle", (1, 28, 28)),
        ("mnist2_klein_learned", (1, 28, 28)),
        ("cifar2_klein", (3, 32, 32)),
        ("cifar2_circle_learned", (3, 32, 32)),
    ],
)
def test_networks_and_batched_forward(name, shape):
    nets_ = [train.init_model(lambda: nets.models.build(name), s) for s in (0, 1)]
    assert nets_[0](torch.zeros(2, *shape)).shape == (2, 10)
    convs = nets.conv_layers(nets_[0])
    assert list(convs) == [1, 2] and isinstance(convs[1][1], (CircleConv2d, KleinConv2d))
    assert tuple(convs[1][1].weight.shape) == (64, shape[0], 3, 3)
    params, buffers = train._stack(nets_, "cpu")
    steps = _ensemble.plan(nets_[0])
    assert steps is not None
    x = torch.randn(2, 4, *shape)
    with torch.no_grad():
        want = torch.stack([n(x[i]) for i, n in enumerate(nets_)])
        got = _ensemble.forward(steps, params, x, buffers=buffers)
        shared = _ensemble.forward(steps, params, x[0], shared_input=True, buffers=buffers)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(shared, torch.stack([n(x[0]) for n in nets_]), atol=1e-5, rtol=1e-4)
    # a buffer the batched forward does not know sends the trainer to vmap
    assert _ensemble.plan(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))) is None


@pytest.mark.parametrize("name", ["mnist2_circle", "mnist2_klein_learned"])
def test_ensemble_matches_plain_training_of_each_seed(name):
    data = tiny_dataset()
    kw = dict(iterations=6, batch_size=16, optimizer="sgd", lr=0.05, momentum=0.9, device="cpu")
    ens = nets.train_ensemble(name, data, seeds=[3, 7], checkpoints=[0, 6], **kw)
    slow = nets.train_ensemble(name, data, seeds=[3, 7], checkpoints=[0, 6], fast=False, **kw)
    for k in ens.params:
        np.testing.assert_allclose(ens.params[k].numpy(), slow.params[k].numpy(), atol=1e-5)
    for i, s in enumerate([3, 7]):
        plain = nets.train_plain(name, data, seed=s, **kw)
        for k, v in plain.state_dict().items():
            if k in ens.params:
                np.testing.assert_allclose(ens.params[k][i].numpy(), v.numpy(), atol=1e-5, err_msg=k)
        for layer, mod in ((1, plain.conv1), (2, plain.conv2)):
            np.testing.assert_allclose(ens.weights(layer, 6)[i], mod.weight.detach().numpy(), atol=1e-5)
        back = ens.network(s)
        torch.testing.assert_close(back.conv1.weight, plain.conv1.weight, atol=1e-5, rtol=1e-4)
    fixed = "learned" not in name
    assert np.array_equal(ens.weights(1, 0), ens.weights(1, 6)) == fixed
    assert not np.allclose(ens.weights(2, 6)[0], ens.weights(2, 6)[1])
    fv = nets.layer_filters(ens, layer=1, iteration=0)
    assert models.klein_fit(fv.points)[2].max() < 0.02


def test_recorder_and_conv_weights_read_the_computed_kernels():
    net = nets.models.build("mnist2_klein")
    rec = nets.WeightRecorder(net, layers=[1, 2])
    np.testing.assert_array_equal(rec.store.get(0, 1), net.conv1.weight.detach().numpy())
    w = nets.conv_weights(net)
    assert list(w) == ["conv1", "conv2"] and w["conv1"].shape == (64, 1, 3, 3)
    fv = nets.layer_filters(net, layer=1)
    assert models.klein_fit(fv.points)[2].max() < 0.02


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
VARIANTS = [
    "mnist2_circle",
    "mnist2_klein",
    "mnist2_circle_learned",
    "mnist2_klein_learned",
    "cifar2_klein",
    "mnist2_circle_local",
    "mnist2_klein_local",
]


@pytest.fixture
def float32_on_cuda():
    """CUDA convolutions and matrix products in true float32 (TF32 off), restored afterwards."""
    old = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = old


def _forward_and_grads(layer, x, upstream):
    """The layer's output on x and the gradients, for an upstream gradient, of its input,
    its bias and (learned) its angles, all back on the CPU."""
    x = x.clone().requires_grad_(True)
    out = layer(x)
    out.backward(upstream)
    grads = {"input": x.grad, "bias": layer.bias.grad}
    if layer.learn_angles:
        grads["angles"] = layer.angles.grad
    return out.detach().cpu(), {k: v.detach().cpu() for k, v in grads.items()}


@pytest.mark.parametrize("cls", [CircleConv2d, KleinConv2d])
@pytest.mark.parametrize("learn", [False, True])
@pytest.mark.parametrize("in_channels", [1, 3])
def test_layers_move_with_to_and_their_buffers_follow(cls, learn, in_channels):
    # runs without a GPU: "meta" and float64 exercise the same .to() path as "cuda"
    torch.manual_seed(0)
    layer = cls(in_channels, 16, learn_angles=learn)
    assert layer.to("meta").angles.device.type == "meta" and layer.weight.device.type == "meta"
    torch.manual_seed(0)
    layer = cls(in_channels, 16, learn_angles=learn).to(torch.float64)
    assert layer.angles.dtype == layer.bias.dtype == layer.weight.dtype == torch.float64
    x = torch.randn(2, in_channels, 9, 9, dtype=torch.float64)
    want = torch.nn.functional.conv2d(x, layer.weight_of(layer.angles.detach()), layer.bias.detach())
    torch.testing.assert_close(layer(x).detach(), want)


@needs_cuda
@pytest.mark.usefixtures("float32_on_cuda")
@pytest.mark.parametrize("cls", [CircleConv2d, KleinConv2d])
@pytest.mark.parametrize("learn", [False, True])
@pytest.mark.parametrize("in_channels", [1, 3])
def test_layer_forward_and_gradients_agree_on_cpu_and_gpu(cls, learn, in_channels):
    torch.manual_seed(0)
    cpu = cls(in_channels, 64, learn_angles=learn, padding=1)
    gpu = copy.deepcopy(cpu).to("cuda")
    assert all(t.device.type == "cuda" for t in [*gpu.parameters(), *gpu.buffers()])
    assert {n for n, _ in gpu.named_buffers()} == {n for n, _ in cpu.named_buffers()}
    g = torch.Generator().manual_seed(1)
    x = torch.randn(5, in_channels, 28, 28, generator=g)
    upstream = torch.randn(5, 64, 28, 28, generator=g)
    out_c, grads_c = _forward_and_grads(cpu, x, upstream)
    out_g, grads_g = _forward_and_grads(gpu, x.to("cuda"), upstream.to("cuda"))
    torch.testing.assert_close(out_g, out_c, rtol=1e-5, atol=1e-5)
    assert grads_g.keys() == grads_c.keys() == ({"input", "bias", "angles"} if learn else {"input", "bias"})
    for k in grads_c:
        # sums over 5·28·28 positions: scale the tolerance with the gradient's size
        scale = float(grads_c[k].abs().max())
        torch.testing.assert_close(grads_g[k], grads_c[k], rtol=1e-4, atol=1e-5 * max(scale, 1.0), msg=k)
    torch.testing.assert_close(gpu.weight.cpu(), cpu.weight, rtol=1e-6, atol=1e-6)


@needs_cuda
@pytest.mark.usefixtures("float32_on_cuda")
@pytest.mark.parametrize("name", VARIANTS)
def test_networks_move_to_the_gpu_and_agree(name):
    torch.manual_seed(0)
    cpu = nets.models.build(name)
    gpu = copy.deepcopy(cpu).to("cuda")
    assert all(t.device.type == "cuda" for t in [*gpu.parameters(), *gpu.buffers()])
    shape = (1, 28, 28) if name.startswith("mnist") else (3, 32, 32)
    x = torch.randn(4, *shape, generator=torch.Generator().manual_seed(2))
    y = torch.tensor([0, 3, 5, 9])
    for net, dev in ((cpu, "cpu"), (gpu, "cuda")):
        torch.nn.functional.cross_entropy(net(x.to(dev)), y.to(dev)).backward()
    with torch.no_grad():
        torch.testing.assert_close(gpu(x.to("cuda")).cpu(), cpu(x), rtol=1e-4, atol=1e-5)
    for (k, pc), (_, pg) in zip(cpu.named_parameters(), gpu.named_parameters()):
        scale = max(float(pc.grad.abs().max()), 1.0)
        torch.testing.assert_close(pg.grad.cpu(), pc.grad, rtol=1e-4, atol=1e-5 * scale, msg=k)


@needs_cuda
@pytest.mark.usefixtures("float32_on_cuda")
def test_cpu_and_gpu_ensembles_agree():
    data = tiny_dataset()
    kw = dict(seeds=[0, 1], iterations=4, batch_size=16, optimizer="sgd", lr=0.05, checkpoints=[4])
    for name in ("mnist2_circle", "mnist2_klein_learned", "mnist2_klein_local"):
        cpu = nets.train_ensemble(name, data, device="cpu", **kw)
        gpu = nets.train_ensemble(name, data, device="cuda", **kw)
        for k in cpu.params:
            np.testing.assert_allclose(gpu.params[k].numpy(), cpu.params[k].numpy(), atol=1e-4, err_msg=k)


# ---------------------------------------------------------------- studies and the command line


def test_study_config_and_cli_accept_the_variants(tmp_path, capsys):
    pytest.importorskip("zarr")
    from fasttda.study import StudyConfig, load_study
    from fasttda.study.runner import layer_shapes

    for name in (
        "mnist2_circle",
        "mnist2_klein",
        "mnist2_klein_learned",
        "mnist2_circle_local",
        "cifar2_circle",
        "cifar2_klein_learned",
        "cifar2_klein_local",
    ):
        assert name in nets.models.MODELS
        cfg = StudyConfig(model=name, dataset="mnist5k" if name.startswith("mnist2") else "natural10")
        assert layer_shapes(cfg)[1][0] == 64
    with pytest.raises(ValueError, match="3-channel"):
        StudyConfig(model="cifar2_klein", dataset="mnist5k")
    out = tmp_path / "study"
    code = cli.main(
        [
            "study",
            "run",
            "--model",
            "mnist2_klein",
            "--seeds",
            "2",
            "--iterations",
            "4",
            "--checkpoints",
            "0,4",
            "--layers",
            "1",
            "--batch-size",
            "16",
            "--device",
            "cpu",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    study = load_study(out)
    w = study.weights(layer=1, checkpoint=4)
    assert w.shape == (2, 64, 1, 3, 3)
    np.testing.assert_allclose(w[0], nets.models.build("mnist2_klein").conv1.weight.detach().numpy(), atol=1e-6)


# ---------------------------------------------------------------- the localised second layer


def geodesic(a, b):
    """|a − b| around the circle, in [0, π], by hand."""
    d = np.abs(np.asarray(a)[None, :] - np.asarray(b)[:, None]) % (2 * np.pi)
    return np.minimum(d, 2 * np.pi - d)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(angle, min_size=1, max_size=12),
    st.lists(angle, min_size=1, max_size=12),
    st.floats(0.05, math.pi),
)
def test_circle_neighbourhood_is_the_geodesic_ball(a, b, width):
    d = topological.patch_angle("circle", a, b)
    np.testing.assert_allclose(d, geodesic(a, b), atol=1e-6)  # on the symmetric 3×3 grid ⟨P_a, P_b⟩ = cos(a − b)
    m = topological.neighbourhood("circle", a, b, width)
    ref = geodesic(a, b)
    clear = np.abs(ref - width) > 1e-5  # away from the radius, where rounding may decide
    assert np.array_equal(m[clear], (ref <= width)[clear])
    assert np.array_equal(m, topological.neighbourhood("circle", b, a, width).T)  # symmetric


def test_circle_neighbourhood_wraps_around():
    a = topological.even_angles("circle", 16)
    m = topological.neighbourhood("circle", a, a, 2 * math.pi / 16)
    assert m.sum(1).tolist() == [3] * 16  # itself and one neighbour each side, for every channel
    assert m[0, 15] and m[15, 0] and m[0, 1] and not m[0, 2] and not m[0, 14]
    assert np.array_equal(m, m.T)


@settings(max_examples=40, deadline=None)
@given(*[st.lists(st.tuples(angle, angle), min_size=1, max_size=8)] * 2)
def test_klein_patch_angle_is_the_distance_of_the_filters(a, b):
    a, b = np.array(a), np.array(b)
    pa = models.klein_patches(a[:, 0], a[:, 1]).reshape(len(a), -1)
    pb = models.klein_patches(b[:, 0], b[:, 1]).reshape(len(b), -1)
    l2 = np.linalg.norm(pb[:, None] - pa[None], axis=2)  # the paper's metric: L2 between the filters
    d = topological.patch_angle("klein", a, b)
    np.testing.assert_allclose(2 * np.sin(d / 2), l2, atol=1e-6)
    np.testing.assert_allclose(d, topological.patch_angle("klein", b, a).T, atol=1e-7)  # arccos near 1
    # well defined on the Klein bottle: (θ1 + π, θ2) and (θ1, −θ2) are the same point
    twin = np.stack([a[:, 0] + np.pi, -a[:, 1]], axis=1)
    np.testing.assert_allclose(topological.patch_angle("klein", twin, b), d, atol=1e-6)


def test_neighbourhood_bad_arguments():
    a = topological.even_angles("circle", 4)
    for w in (0, -1, 4.0, "wide", True):
        with pytest.raises(ValueError, match="width"):
            topological.neighbourhood("circle", a, a, w)
    with pytest.raises(ValueError, match="kind"):
        topological.patch_angle("torus", a, a)
    with pytest.raises(ValueError, match="shape"):
        topological.patch_angle("klein", a, a)  # one column where the Klein bottle needs two
    with pytest.raises(ValueError, match="in_angles"):
        LocalisedConv2d(8, 4, in_angles=topological.even_angles("circle", 7))
    with pytest.raises(ValueError, match="no input channel"):
        LocalisedConv2d(2, 8, width=0.1)  # outputs between the two inputs see neither
    with pytest.raises(ValueError, match="kind"):
        LocalisedConv2d(8, 4, kind="sphere")
    with pytest.raises(ValueError, match="out_channels"):
        LocalisedConv2d(8, 0)
    with pytest.raises(ValueError, match="second"):
        nets.models.SmallCNN(first="circle", second="dense")
    with pytest.raises(ValueError, match="circle or Klein first layer"):
        nets.models.SmallCNN(second="local")


@pytest.mark.parametrize("kind", ["circle", "klein"])
def test_localised_layer_mask_shapes_and_initialisation(kind):
    torch.manual_seed(0)
    conv = LocalisedConv2d(64, 32, kind=kind)
    want = topological.neighbourhood(
        kind, topological.even_angles(kind, 64), topological.even_angles(kind, 32), topological.DEFAULT_WIDTH[kind]
    )
    assert conv.mask.shape == (32, 64, 1, 1) and conv.weight.shape == (32, 64, 3, 3)
    assert np.array_equal(conv.mask[:, :, 0, 0].numpy().astype(bool), want)
    assert isinstance(conv, torch.nn.Conv2d)
    outside = conv.weight.detach()[~torch.as_tensor(want)]
    assert outside.abs().max() == 0  # zero outside the neighbourhood from the start
    # inside: uniform at the kept fan-in, as nn.Conv2d initialises a dense layer of that fan-in
    kept = want.sum(1)
    for j in range(32):
        w = conv.weight.detach()[j, torch.as_tensor(want[j])]
        assert w.abs().max() <= 1 / math.sqrt(kept[j] * 9) and w.abs().max() > 0.5 / math.sqrt(kept[j] * 9)
    x = torch.randn(2, 64, 7, 7)
    torch.testing.assert_close(conv(x), torch.nn.functional.conv2d(x, conv.weight * conv.mask, conv.bias))
    assert conv(torch.zeros(3, 64, 9, 9)).shape == (3, 32, 7, 7)
    padded = LocalisedConv2d(64, 32, kind=kind, padding=1, stride=2)
    assert padded(torch.zeros(1, 64, 9, 9)).shape == (1, 32, 5, 5)


@pytest.mark.parametrize("name", ["mnist2_circle_local", "mnist2_klein_local"])
@pytest.mark.parametrize("opt", ["adam", "sgd"])
def test_masked_weights_get_no_gradient_and_stay_zero(name, opt):
    torch.manual_seed(0)
    net = nets.models.build(name)
    mask = net.conv2.mask.expand_as(net.conv2.weight).bool()
    x, y = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
    torch.nn.functional.cross_entropy(net(x), y).backward()
    g = net.conv2.weight.grad
    assert g[~mask].abs().max() == 0 and (g[mask] != 0).float().mean() > 0.5  # gradients reach the kept weights
    net.zero_grad()
    start = net.conv2.weight.detach().clone()
    if opt == "adam":
        _steps(net, n=5)
    else:  # momentum and weight decay: still nothing moves a weight that starts at zero with zero gradient
        sgd = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3)
        for _ in range(5):
            sgd.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
            sgd.step()
    w = net.conv2.weight.detach()
    assert w[~mask].abs().max() == 0
    assert not torch.allclose(w[mask], start[mask])
    assert torch.equal(net.conv1.weight, nets.models.build(name).conv1.weight)  # layer 1 fixed


@pytest.mark.parametrize("name", ["mnist2_circle_local", "mnist2_klein_local"])
def test_localised_variant_trains_in_the_ensemble(name):
    data = tiny_dataset()
    # SGD for the comparisons: Adam divides near-zero gradients by their own size, so rounding
    # noise becomes full steps and fast, vmap and plain training part ways on a few weights
    kw = dict(iterations=5, batch_size=16, optimizer="sgd", lr=0.05, momentum=0.9, device="cpu")
    ens = nets.train_ensemble(name, data, seeds=[3, 7], checkpoints=[0, 5], **kw)
    assert _ensemble.plan(ens.factory()) is not None  # the grouped-convolution path, not vmap
    slow = nets.train_ensemble(name, data, seeds=[3, 7], checkpoints=[0, 5], fast=False, **kw)
    mask = nets.models.build(name).conv2.mask.numpy().astype(bool)
    mask = np.broadcast_to(mask, (32, 64, 3, 3))
    for k in ens.params:
        np.testing.assert_allclose(ens.params[k].numpy(), slow.params[k].numpy(), atol=1e-5, err_msg=k)
    for i, s in enumerate([3, 7]):
        plain = nets.train_plain(name, data, seed=s, **kw)
        np.testing.assert_allclose(ens.weights(2, 5)[i], plain.conv2.weight.detach().numpy(), atol=1e-5)
        w = ens.weights(2, 5)[i]
        assert np.abs(w[~mask]).max() == 0 and not np.allclose(w[mask], ens.weights(2, 0)[i][mask])
        torch.testing.assert_close(ens.network(s).conv2.weight, plain.conv2.weight, atol=1e-5, rtol=1e-4)
    adam = nets.train_ensemble(name, data, seeds=[3, 7], checkpoints=[5], **{**kw, "optimizer": "adam", "lr": 1e-2})
    w = adam.weights(2, 5)
    assert np.abs(w[:, ~mask]).max() == 0 and np.abs(w[:, mask]).min() >= 0 and np.abs(w[:, mask]).max() > 0
    assert list(nets.conv_layers(ens.network(3))) == [1, 2]
    fv = nets.layer_filters(ens, layer=2, iteration=5)  # what analyze reads: 2 seeds × 32 × 64 slices
    # the masked slices are zero and drop out below the contrast cut: only the kept ones are analysed
    assert len(fv.points) == 2 * int(nets.models.build(name).conv2.mask.sum()) and fv.points.shape[1] == 8


@needs_cuda
@pytest.mark.usefixtures("float32_on_cuda")
@pytest.mark.parametrize("kind", ["circle", "klein"])
def test_localised_layer_agrees_on_cpu_and_gpu(kind):
    torch.manual_seed(0)
    cpu = LocalisedConv2d(64, 32, kind=kind, padding=1)
    gpu = copy.deepcopy(cpu).to("cuda")
    assert gpu.mask.device.type == "cuda"
    g = torch.Generator().manual_seed(1)
    x = torch.randn(5, 64, 13, 13, generator=g)
    upstream = torch.randn(5, 32, 13, 13, generator=g)
    outs, grads = [], []
    for layer, dev in ((cpu, "cpu"), (gpu, "cuda")):
        out = layer(x.to(dev))
        out.backward(upstream.to(dev))
        outs.append(out.detach().cpu())
        grads.append(layer.weight.grad.cpu())
    torch.testing.assert_close(outs[1], outs[0], rtol=1e-5, atol=1e-5)
    scale = max(float(grads[0].abs().max()), 1.0)
    torch.testing.assert_close(grads[1], grads[0], rtol=1e-4, atol=1e-5 * scale)
    assert grads[1][~cpu.mask.expand_as(cpu.weight).bool()].abs().max() == 0
