"""Many seeds of one network trained at once.

``train_ensemble`` stacks the parameters of S copies of a network (one per seed) into
tensors with a leading seed axis and runs every seed's forward pass in one batched
call (``torch.func.vmap`` over ``functional_call``: convolutions become grouped
convolutions, linear layers batched matrix products). The loss is the sum over seeds
of each seed's mean cross-entropy, so one backward pass gives every seed exactly its
own gradient, and SGD and Adam, being elementwise, update each seed exactly as a
separate optimizer would.

Seed s is reproducible on its own: its initial weights are the network's default
initialisation drawn after ``torch.manual_seed(s)``, and its data order comes from
its own ``torch.Generator`` (a fresh permutation of the training set every epoch),
so seed s ends with the same weights whether it is trained alone or beside 63
others (up to float rounding of batched kernels). ``train_plain`` is the textbook
per-seed loop with the same initialisation and data order, for comparison.
"""

from __future__ import annotations

import contextlib
import copy
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import _ensemble
from . import datasets as _datasets
from . import models as _models
from .store import WeightStore

DATA_SEED_OFFSET = 0x5EED_0000  # data order of seed s: torch.Generator seeded with s + this


def pick_device(device="auto") -> torch.device:
    """``"auto"``: CUDA when available, else the CPU; anything else as torch.device understands it.

    Parameters
    ----------
    device : str, torch.device or None

    Returns
    -------
    torch.device

    Examples
    --------
    >>> from fasttda.nets.train import pick_device
    >>> pick_device("cpu")
    device(type='cpu')
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


_MALLOPT_DONE = False


def keep_freed_memory() -> bool:
    """Asks glibc to keep freed memory for reuse instead of returning it to the system (Linux only).

    Activations of a many-seed batch are tens to hundreds of MB; by default glibc maps
    each such block fresh from the kernel and unmaps it when freed, so every
    iteration pays page faults on all of them (on a VM this cost more than the
    arithmetic). Raising the mmap and trim thresholds makes the memory be reused;
    the process keeps its peak footprint. Returns whether the setting was applied.
    """
    global _MALLOPT_DONE
    if _MALLOPT_DONE:
        return True
    import ctypes
    import os
    import sys

    if not sys.platform.startswith("linux") or os.environ.get("FASTTDA_NO_MALLOPT"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
        ok = (
            libc.mallopt(M_MMAP_THRESHOLD, 1 << 30)
            and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
            and libc.mallopt(M_TOP_PAD, 64 << 20)
        )
    except (OSError, AttributeError):
        return False
    _MALLOPT_DONE = bool(ok)
    return _MALLOPT_DONE


def _factory(model):
    if isinstance(model, str):
        return (lambda name=model: _models.build(name)), model
    if isinstance(model, nn.Module):
        raise TypeError(
            "model must be a name or a function that builds a fresh network, not a module instance "
            "(each seed needs its own initialisation)"
        )
    if callable(model):
        return model, getattr(model, "__name__", "model")
    raise TypeError(f"model must be a name ({', '.join(_models.MODELS)}) or a function returning a module")


def init_model(factory, seed: int) -> nn.Module:
    """The network's default initialisation under ``torch.manual_seed(seed)``, without disturbing the global RNG.

    Parameters
    ----------
    factory : callable
        Returns a new network, e.g. ``fasttda.nets.models.mnist2``.
    seed : int

    Returns
    -------
    torch.nn.Module

    Examples
    --------
    >>> import torch
    >>> from fasttda.nets.models import mnist2
    >>> from fasttda.nets.train import init_model
    >>> torch.equal(init_model(mnist2, 3)[0].weight, init_model(mnist2, 3)[0].weight)
    True
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return factory()


class DataOrder:
    """The batches of one seed: its own generator, a fresh permutation each epoch, the last partial batch dropped.

    Parameters
    ----------
    n : int
        Size of the training set.
    batch_size : int
        Images per batch (at most ``n``).
    seed : int
        The seed; its generator is seeded with ``seed + DATA_SEED_OFFSET``.

    Raises
    ------
    ValueError
        ``batch_size`` larger than ``n``.

    Examples
    --------
    >>> import torch
    >>> from fasttda.nets.train import DataOrder
    >>> order = DataOrder(10, 4, seed=0)  # two batches per epoch, two images left out
    >>> order.take(2).shape
    torch.Size([2, 4])
    >>> torch.equal(DataOrder(10, 4, seed=0).next(), DataOrder(10, 4, seed=0).next())
    True
    """

    def __init__(self, n: int, batch_size: int, seed: int):
        if batch_size > n:
            raise ValueError(f"batch_size {batch_size} is larger than the training set ({n} images)")
        self.n, self.batch_size = n, batch_size
        self.per_epoch = n // batch_size
        self.gen = torch.Generator().manual_seed(int(seed) + DATA_SEED_OFFSET)
        self.perm = None
        self.step = 0

    def next(self) -> torch.Tensor:
        k = self.step % self.per_epoch
        if k == 0:
            self.perm = torch.randperm(self.n, generator=self.gen)
        self.step += 1
        return self.perm[k * self.batch_size : (k + 1) * self.batch_size]

    def take(self, count: int) -> torch.Tensor:
        """The next ``count`` batches, (count, batch_size)."""
        return torch.stack([self.next() for _ in range(count)])


# Activation layout of the grouped-convolution trainer per device type: channels-last is
# oneDNN's native layout (2–3× faster convs and pools on a CPU); measured on CUDA in RESULTS.md.
CHANNELS_LAST = {"cpu": True, "cuda": True}
_INDEX_BLOCK = 100  # iterations whose batch indices travel to the device together


def _kernels(dev: torch.device, tf32: bool):
    """Kernel settings for the training loop: on CUDA, cuDNN picks its fastest algorithms for
    the fixed shapes, and float32 stays float32 unless ``tf32`` (TensorFloat-32 rounds
    products to 10-bit mantissas, and a seed would no longer match itself trained alone)."""
    if dev.type != "cuda":
        return contextlib.nullcontext()
    stack = contextlib.ExitStack()
    stack.enter_context(torch.backends.cudnn.flags(enabled=True, benchmark=True, deterministic=False, allow_tf32=tf32))
    old = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    stack.callback(setattr, torch.backends.cuda.matmul, "allow_tf32", old)
    return stack


def make_optimizer(name, params, lr, momentum, weight_decay):
    """A torch optimizer by name (``"sgd"`` or ``"adam"``); ``lr`` None takes the optimizer's default here."""
    name = name.lower()
    if name == "sgd":
        return torch.optim.SGD(params, lr=0.01 if lr is None else lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=1e-3 if lr is None else lr, weight_decay=weight_decay)
    raise ValueError(f"optimizer must be 'sgd' or 'adam', got {name!r}")


def _checkpoints(checkpoints, iterations):
    its = sorted({int(c) for c in (checkpoints or ())})
    bad = [c for c in its if c < 0 or c > iterations]
    if bad:
        raise ValueError(f"checkpoints {bad} are outside 0..{iterations} (the number of iterations)")
    return its


def _dataset(data, root):
    if isinstance(data, _datasets.Dataset):
        return data
    return _datasets.load(data, root)


@dataclass
class Ensemble:
    """What ``train_ensemble`` returns: the conv weights at the checkpoints and each seed's accuracy.

    Parameters
    ----------
    model : str
        The network's name.
    seeds : list of int
        The seeds, in the order of every seed axis.
    store : WeightStore
        The conv weights kept, keyed by (run = seed, iteration, layer).
    layers : list of int
        The conv layers kept (1 = first conv).
    checkpoints : list of int
        The iterations at which the weights were kept (0 = initialisation).
    accuracy : dict of int to numpy.ndarray
        Iteration → test accuracy of each seed.
    loss : numpy.ndarray
        (iterations, seeds) training loss of each batch.
    params : dict of str to torch.Tensor
        Final stacked parameters (seed axis first), on the CPU.
    factory : callable
        Builds a fresh network (used by ``network``).
    seconds : float
        Training time.

    Examples
    --------
    >>> import torch
    >>> from fasttda.nets.datasets import Dataset
    >>> from fasttda.nets.train import train_ensemble
    >>> x, y = torch.randn(12, 1, 28, 28), torch.arange(12) % 10
    >>> data = Dataset("toy", x[:8], y[:8], x[8:], y[8:], [str(i) for i in range(10)], (0.0,), (1.0,))
    >>> ens = train_ensemble("mnist2", data, seeds=[0, 1], iterations=2, batch_size=4, device="cpu")
    >>> ens.checkpoints, ens.weights(1).shape, ens.loss.shape
    ([2], (2, 64, 1, 3, 3), (2, 2))
    >>> type(ens.network(1)).__name__
    'SmallCNN'
    """

    model: str
    seeds: list[int]
    store: WeightStore  # (run = seed, iteration, layer) → conv weight
    layers: list[int]
    checkpoints: list[int]
    accuracy: dict[int, np.ndarray]  # iteration → test accuracy of each seed (in the order of seeds)
    loss: np.ndarray  # (iterations, seeds) training loss of each batch
    params: dict[str, torch.Tensor]  # final stacked parameters (seed axis first), on the CPU
    factory: object = field(repr=False)
    seconds: float = 0.0

    def weights(self, layer: int, iteration: int | None = None) -> np.ndarray:
        """(seeds, out, in, k, k) conv weights of one layer at one checkpoint (the last when None)."""
        it = self.checkpoints[-1] if iteration is None else iteration
        return np.stack([self.store.get(it, layer, run=s) for s in self.seeds])

    def network(self, seed: int) -> nn.Module:
        """Seed ``seed``'s trained network as an ordinary module."""
        i = self.seeds.index(seed)
        net = self.factory()
        state = net.state_dict()  # buffers (fixed angles) as the network builds them
        state.update({k: v[i] for k, v in self.params.items()})
        net.load_state_dict(state)
        return net


def _stack(nets, device):
    params = {
        k: torch.stack([dict(n.named_parameters())[k].detach() for n in nets]).to(device).contiguous()
        for k, _ in nets[0].named_parameters()
    }
    buffers = {
        k: torch.stack([dict(n.named_buffers())[k] for n in nets]).to(device) for k, _ in nets[0].named_buffers()
    }
    return params, buffers


def _stacked_weight(base, key, params, buffers):
    """(S, out, in, k, k) weight of a conv layer: the stacked parameter, or for a circle or Klein
    convolution the kernels of each seed's angles."""
    if key in params:
        return params[key]
    prefix = key.rpartition(".")[0]
    module = base.get_submodule(prefix)
    angles = params.get(f"{prefix}.angles")
    with torch.no_grad():
        return module.weight_of(angles if angles is not None else buffers[f"{prefix}.angles"])


def _stacked_forward(base):
    def one(p, b, x):
        return torch.func.functional_call(base, (p, b), (x,))

    return one


@torch.no_grad()
def evaluate(forward, params, buffers, x, y, steps=None, chunk: int = 500) -> np.ndarray:
    """Accuracy of every seed on the same images x (N, C, H, W).

    Parameters
    ----------
    forward : callable
        ``forward(params, buffers, x)`` of one network, vmapped over the seed axis (used
        when ``steps`` is None).
    params, buffers : dict of str to torch.Tensor
        Stacked parameters and buffers, seed axis first.
    x : torch.Tensor
        (N, C, H, W) images, on the parameters' device.
    y : torch.Tensor
        (N,) int64 labels.
    steps : optional
        A plan of ``fasttda.nets._ensemble.plan``: use its grouped-convolution forward instead.
    chunk : int
        Images per forward pass.

    Returns
    -------
    numpy.ndarray
        (seeds,) float64 fraction of images each seed classifies correctly.

    Examples
    --------
    >>> import torch
    >>> from fasttda.nets.models import mnist2
    >>> from fasttda.nets.train import evaluate, init_model
    >>> params, buffers = torch.func.stack_module_state([init_model(mnist2, s) for s in range(3)])
    >>> base = mnist2().to("meta")
    >>> def forward(p, b, x):
    ...     return torch.func.functional_call(base, (p, b), (x,))
    >>> evaluate(forward, params, buffers, torch.randn(5, 1, 28, 28), torch.zeros(5, dtype=torch.int64)).shape
    (3,)
    """
    S = next(iter(params.values())).shape[0]
    correct = torch.zeros(S, dtype=torch.int64, device=x.device)
    batched = torch.vmap(forward, in_dims=(0, 0, None), randomness="different")
    for b in range(0, len(x), chunk):
        if steps is not None:
            out = _ensemble.forward(steps, params, x[b : b + chunk], shared_input=True, training=False, buffers=buffers)
        else:
            out = batched(params, buffers, x[b : b + chunk])
        correct += (out.argmax(-1) == y[b : b + chunk]).sum(-1)
    return (correct.double() / len(x)).cpu().numpy()


def train_ensemble(
    model="mnist2",
    data="mnist5k",
    seeds=range(8),
    iterations: int = 500,
    *,
    batch_size: int = 64,
    optimizer: str = "adam",
    lr: float | None = None,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    checkpoints=None,
    layers=None,
    store: WeightStore | str | None = None,
    root=None,
    device="auto",
    evaluate_at_checkpoints: bool = True,
    fast: bool = True,
    tf32: bool = False,
    callback=None,
) -> Ensemble:
    """Trains one network per seed, all at once, and keeps the conv weights at the checkpoints.

    Parameters
    ----------
    model : a name from ``fasttda.nets.models.MODELS`` or a function returning a fresh module.
    data : a dataset name (``load(data, root)``) or a :class:`Dataset`.
    seeds : the seeds; seed s fixes its initialisation and its data order.
    iterations : optimizer steps per seed.
    batch_size, optimizer ("adam" (default) | "sgd"), lr (default 1e-3 for Adam, 0.01 for SGD),
        momentum, weight_decay : as in torch.optim, per seed.
    checkpoints : iterations at which to keep the conv weights (0 = initialisation);
        default: the last iteration only.
    layers : conv layers to keep, in the seed's numbering (1 = first conv); default all.
    store : a :class:`WeightStore`, or a folder for one; default in memory.
    device : "auto" (CUDA when available), "cpu", "cuda", …
    evaluate_at_checkpoints : measure every seed's test accuracy at each checkpoint (the final
        iteration is always measured).
    fast : use the grouped-convolution forward of ``_ensemble`` for plain conv/pool/linear
        chains (all the networks here); False, or any other network, uses ``torch.func.vmap``.
    tf32 : on CUDA, let convolutions and matrix products use TensorFloat-32 (faster on the
        matrix units, about 1e-3 relative rounding); off by default, so that float32 is float32.
    callback : called as ``callback(it)`` after optimizer step ``it`` (1 … iterations), e.g. to report
        progress; it should return quickly (throttle it yourself).

    On the CPU the process keeps freed memory for reuse (see ``keep_freed_memory``).

    Returns
    -------
    Ensemble
        The trained networks, their accuracies and the recorded weights (``Ensemble.store``).

    Examples
    --------
    >>> from fasttda.nets.train import train_ensemble
    >>> ens = train_ensemble("mnist2", "mnist5k", seeds=range(8), iterations=400,
    ...                      checkpoints=[0, 400])  # doctest: +SKIP
    """
    factory, name = _factory(model)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ValueError("seeds must be distinct")
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1, got {iterations}")
    dev = pick_device(device)
    ds = _dataset(data, root)
    nets = [init_model(factory, s) for s in seeds]
    in_shape = getattr(nets[0], "input_shape", None)
    if in_shape is not None and tuple(in_shape[:1]) != tuple(ds.input_shape[:1]):
        raise ValueError(f"{name} takes {in_shape[0]}-channel input but {ds.name} has {ds.input_shape[0]} channels")
    layer_names = _models.conv_weight_names(nets[0], layers)
    cps = _checkpoints(checkpoints if checkpoints is not None else [iterations], iterations)
    if not isinstance(store, WeightStore):
        store = WeightStore(store)

    params, buffers = _stack(nets, dev)
    base = copy.deepcopy(nets[0]).to("meta")
    base.train()
    forward = _stacked_forward(base)
    steps = _ensemble.plan(base) if fast else None  # None also for buffers it does not know
    if dev.type == "cpu":
        keep_freed_memory()
    if steps is not None:  # grouped convolutions
        layout = CHANNELS_LAST.get(dev.type, True)

        def batched(p, b, x):
            return _ensemble.forward(steps, p, x, channels_last=layout, buffers=b)
    else:  # any other network: torch.func.vmap over functional_call
        batched = torch.vmap(forward, randomness="different")
    leaves = list(params.values())
    for p in leaves:
        p.requires_grad_(True)
    opt = make_optimizer(optimizer, leaves, lr, momentum, weight_decay)

    x_train, y_train = ds.x_train.to(dev), ds.y_train.to(dev)
    x_test, y_test = ds.x_test.to(dev), ds.y_test.to(dev)
    orders = [DataOrder(len(x_train), batch_size, s) for s in seeds]
    S = len(seeds)
    losses = torch.empty(iterations, S, device=dev)
    accuracy = {}

    def checkpoint(it):
        kept = {
            layer: _stacked_weight(base, key, params, buffers).detach().cpu()  # one copy per layer
            for layer, key in layer_names.items()
        }
        for i, s in enumerate(seeds):
            store.put(it, {layer: w[i] for layer, w in kept.items()}, run=s)
        if evaluate_at_checkpoints:
            base.eval()
            accuracy[it] = evaluate(forward, params, buffers, x_test, y_test, steps)
            base.train()

    start = time.perf_counter()
    if 0 in cps:
        checkpoint(0)
    with _kernels(dev, tf32):
        for it in range(1, iterations + 1):
            if (it - 1) % _INDEX_BLOCK == 0:  # one host→device copy per block, not a sync per step
                count = min(_INDEX_BLOCK, iterations - it + 1)
                block = torch.stack([o.take(count) for o in orders], 1).to(dev)  # (count, S, B)
            idx = block[(it - 1) % _INDEX_BLOCK]
            out = batched(params, buffers, x_train[idx])  # (S, B, classes)
            per_seed = F.cross_entropy(out.flatten(0, 1), y_train[idx].flatten(), reduction="none").view(S, -1).mean(1)
            opt.zero_grad(set_to_none=True)
            per_seed.sum().backward()
            opt.step()
            losses[it - 1] = per_seed.detach()
            if it in cps:
                checkpoint(it)
            if callback is not None:
                callback(it)
        if iterations not in accuracy:
            base.eval()
            accuracy[iterations] = evaluate(forward, params, buffers, x_test, y_test, steps)
    seconds = time.perf_counter() - start
    final = {k: v.detach().cpu() for k, v in params.items()}
    return Ensemble(
        name, seeds, store, sorted(layer_names), cps, accuracy, losses.cpu().numpy(), final, factory, seconds
    )


def train_plain(
    model="mnist2",
    data="mnist5k",
    seed: int = 0,
    iterations: int = 500,
    *,
    batch_size: int = 64,
    optimizer: str = "adam",
    lr: float | None = None,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    root=None,
    device="auto",
    tf32: bool = False,
) -> nn.Module:
    """One seed, trained by the ordinary PyTorch loop, with the same initialisation and data order as
    ``train_ensemble`` gives that seed: the reference the ensemble trainer is checked and timed against.

    Parameters
    ----------
    model : str or callable
        A name from ``fasttda.nets.models.MODELS`` or a function returning a fresh module.
    data : str or Dataset
        A dataset name (``load(data, root)``) or a :class:`Dataset`.
    seed : int
        Fixes the initialisation and the data order, as in ``train_ensemble``.
    iterations : int
        Optimizer steps.
    batch_size, optimizer, lr, momentum, weight_decay
        As in ``train_ensemble``.
    root : str or path-like, optional
        The data folder of ``mnist`` or ``cifar10``.
    device : str or torch.device
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, …
    tf32 : bool
        On CUDA, let convolutions and matrix products use TensorFloat-32.

    Returns
    -------
    torch.nn.Module
        The trained network, in training mode, on ``device``.

    Raises
    ------
    TypeError
        ``model`` is a module instance or neither a name nor a function.
    ValueError
        An unknown model, dataset or optimizer, or ``batch_size`` larger than the training set.

    Examples
    --------
    >>> import torch
    >>> from fasttda.nets.datasets import Dataset
    >>> from fasttda.nets.train import train_plain
    >>> x, y = torch.randn(12, 1, 28, 28), torch.arange(12) % 10
    >>> data = Dataset("toy", x[:8], y[:8], x[8:], y[8:], [str(i) for i in range(10)], (0.0,), (1.0,))
    >>> net = train_plain("mnist2", data, seed=1, iterations=2, batch_size=4, device="cpu")
    >>> net(x[8:]).shape
    torch.Size([4, 10])
    """
    factory, _ = _factory(model)
    dev = pick_device(device)
    ds = _dataset(data, root)
    net = init_model(factory, seed).to(dev)
    if dev.type == "cpu":
        keep_freed_memory()
    net.train()
    opt = make_optimizer(optimizer, net.parameters(), lr, momentum, weight_decay)
    x_train, y_train = ds.x_train.to(dev), ds.y_train.to(dev)
    order = DataOrder(len(x_train), batch_size, seed)
    with _kernels(dev, tf32):
        for _ in range(iterations):
            idx = order.next().to(dev)
            loss = F.cross_entropy(net(x_train[idx]), y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return net


def flops_per_sample(model: nn.Module, input_shape) -> int:
    """Multiply-adds ×2 of one forward pass through the conv and linear layers (training ≈ 3× this).

    Parameters
    ----------
    model : torch.nn.Module
    input_shape : tuple
        Of one sample, e.g. (1, 28, 28).

    Returns
    -------
    int

    Examples
    --------
    >>> from fasttda.nets.models import mnist2
    >>> from fasttda.nets.train import flops_per_sample
    >>> flops_per_sample(mnist2(), (1, 28, 28)) > 0
    True
    """
    total = 0

    def hook(mod, inp, out):
        nonlocal total
        if isinstance(mod, nn.Conv2d):
            k = mod.weight[0].numel()  # in/groups × kh × kw
            total += 2 * k * out[0].numel()
        elif isinstance(mod, nn.Linear):
            total += 2 * mod.in_features * mod.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_shape))
    finally:
        for h in handles:
            h.remove()
    return total


__all__ = [
    "Ensemble",
    "DataOrder",
    "evaluate",
    "flops_per_sample",
    "init_model",
    "pick_device",
    "train_ensemble",
    "train_plain",
]
