"""The networks of the seed study, as plain ``torch.nn`` modules.

- ``mnist2`` / ``cifar2``: conv 3×3 (64) → ReLU → max-pool 2 → conv 3×3 (32) → ReLU →
  max-pool 2 → fully connected 64 → 10, for 1×28×28 and 3×32×32 input (unpadded convs).
- ``mnist2_circle``, ``mnist2_klein``, ``cifar2_circle``, ``cifar2_klein``: the same networks with
  a first layer whose kernels are the primary circle or the Klein bottle (``CircleConv2d``,
  ``KleinConv2d``) at fixed, evenly spread angles; ``…_learned`` (e.g. ``mnist2_klein_learned``)
  trains the angles; ``…_local`` (e.g. ``mnist2_klein_local``) adds the localised second layer
  (``LocalisedConv2d``: layer-2 channels on the same model, each reading only the layer-1
  channels near it).
- ``vgg16``: VGG16 with torchvision's state_dict key names (``features.0.weight`` …
  ``features.28.weight``, ``classifier.0/3/6``), so a torchvision ``.pth`` file loads
  by key with ``load_vgg16(path)``; torchvision itself is not needed.
- ``vgg_small``: VGG-11 at 1/8 width with batch norm off, for 32×32 input: small
  enough to train on a CPU, deep enough to look at eight conv layers.

``conv_layers(model)`` lists the conv layers in the seed's numbering (1 = first conv).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from .topological import TOPOLOGICAL, CircleConv2d, KleinConv2d, LocalisedConv2d

FIRST_LAYERS = {"conv": None, "circle": CircleConv2d, "klein": KleinConv2d}

__all__ = [
    "SmallCNN",
    "VGG",
    "build",
    "cifar2",
    "conv_layers",
    "conv_weight",
    "conv_weight_names",
    "load_vgg16",
    "mnist2",
    "vgg16",
    "vgg_small",
    "CircleConv2d",
    "KleinConv2d",
    "LocalisedConv2d",
]

# VGG configurations as torchvision writes them: numbers are conv widths, "M" a max-pool.
VGG_CONFIGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}


class SmallCNN(nn.Sequential):
    """The seed's two-layer CNN: conv(64) → pool → conv(32) → pool → fc 64 → fc 10.

    Parameters
    ----------
    in_channels : int
    size : int
        Height and width of the input images.
    n_classes : int
    widths : (int, int)
        Filters of the two conv layers.
    hidden : int
        Units of the hidden fully connected layer.
    first : {"conv", "circle", "klein"}
        The first layer: learned (the seed's), or ``CircleConv2d`` / ``KleinConv2d``.
    learn_angles : bool
        For a circle or Klein first layer: learn its angles (default: fixed, evenly spread).
    second : {"conv", "local"}
        The second layer: a dense convolution, or (with a circle or Klein first layer)
        ``LocalisedConv2d`` on the same model, its mask set from layer 1's initial (evenly
        spread) angles, which ``even_angles`` gives both layers.
    width : float, optional
        The localised layer's neighbourhood radius in radians (default ``DEFAULT_WIDTH``).

    Examples
    --------
    >>> import torch
    >>> from fasttda.nets.models import SmallCNN
    >>> SmallCNN(1, 28, 10)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        in_channels: int = 1,
        size: int = 28,
        n_classes: int = 10,
        widths: tuple[int, int] = (64, 32),
        hidden: int = 64,
        first: str = "conv",
        learn_angles: bool = False,
        second: str = "conv",
        width: float | None = None,
    ):
        side = ((size - 2) // 2 - 2) // 2
        if side < 1:
            raise ValueError(f"input of side {size} is too small for two 3x3 convs and two 2x2 pools")
        if first not in FIRST_LAYERS:
            raise ValueError(f"first must be one of {', '.join(FIRST_LAYERS)}, got {first!r}")
        if second not in ("conv", "local"):
            raise ValueError(f"second must be 'conv' or 'local', got {second!r}")
        if second == "local" and first == "conv":
            raise ValueError("a localised second layer needs a circle or Klein first layer to place its channels on")
        conv1 = (
            nn.Conv2d(in_channels, widths[0], 3)
            if first == "conv"
            else FIRST_LAYERS[first](in_channels, widths[0], 3, learn_angles=learn_angles)
        )
        conv2 = (
            nn.Conv2d(widths[0], widths[1], 3)
            if second == "conv"
            else LocalisedConv2d(widths[0], widths[1], 3, kind=first, width=width)  # conv1's initial angles
        )
        super().__init__(
            OrderedDict(
                [
                    ("conv1", conv1),
                    ("relu1", nn.ReLU()),
                    ("pool1", nn.MaxPool2d(2)),
                    ("conv2", conv2),
                    ("relu2", nn.ReLU()),
                    ("pool2", nn.MaxPool2d(2)),
                    ("flatten", nn.Flatten()),
                    ("fc1", nn.Linear(widths[1] * side * side, hidden)),
                    ("relu3", nn.ReLU()),
                    ("fc2", nn.Linear(hidden, n_classes)),
                ]
            )
        )
        self.input_shape = (in_channels, size, size)


def mnist2(n_classes: int = 10) -> SmallCNN:
    """The seed's MNIST network, for (N, 1, 28, 28) input.

    Parameters
    ----------
    n_classes : int

    Returns
    -------
    SmallCNN

    Examples
    --------
    >>> from fasttda.nets.models import mnist2
    >>> mnist2()[0].weight.shape  # layer 1: 64 filters of 3×3
    torch.Size([64, 1, 3, 3])
    """
    return SmallCNN(1, 28, n_classes)


def cifar2(n_classes: int = 10) -> SmallCNN:
    """The same network for (N, 3, 32, 32) colour input.

    Parameters
    ----------
    n_classes : int

    Returns
    -------
    SmallCNN

    Examples
    --------
    >>> from fasttda.nets.models import cifar2
    >>> cifar2()[0].weight.shape
    torch.Size([64, 3, 3, 3])
    """
    return SmallCNN(3, 32, n_classes)


class VGG(nn.Module):
    """VGG with torchvision's module layout (``features``, ``avgpool``, ``classifier``).

    Parameters
    ----------
    config : list of int or "M"
        Conv widths in order, ``"M"`` a 2×2 max-pool (as ``VGG_CONFIGS``); every conv is 3×3,
        padding 1, followed by ReLU.
    n_classes : int
        Outputs of the last fully connected layer.
    width : float
        Factor on every conv width (rounded, at least 1).
    hidden : int
        Units of the two hidden fully connected layers.
    pool_side : int
        Side of the adaptive average pool before the classifier (7 for 224×224 input).
    in_channels : int
        Channels of the input images.
    dropout : float
        Dropout probability in the classifier.

    Examples
    --------
    >>> import torch
    >>> from fasttda.nets.models import VGG
    >>> net = VGG([8, "M", 16, "M"], n_classes=10, hidden=32, pool_side=1)
    >>> net(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        config,
        n_classes: int = 1000,
        width: float = 1.0,
        hidden: int = 4096,
        pool_side: int = 7,
        in_channels: int = 3,
        dropout: float = 0.5,
    ):
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for v in config:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                w = max(1, int(round(v * width)))
                layers += [nn.Conv2d(c, w, 3, padding=1), nn.ReLU(inplace=True)]
                c = w
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((pool_side, pool_side))
        self.classifier = nn.Sequential(
            nn.Linear(c * pool_side * pool_side, hidden),
            nn.ReLU(True),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(True),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )
        self.input_shape = (in_channels, 224, 224) if pool_side == 7 else (in_channels, 32, 32)

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def vgg16(n_classes: int = 1000) -> VGG:
    """VGG16 (configuration D, no batch norm) with torchvision's state_dict keys.

    Parameters
    ----------
    n_classes : int

    Returns
    -------
    VGG

    Examples
    --------
    >>> from fasttda.nets.models import conv_layers, vgg16
    >>> len(conv_layers(vgg16()))  # doctest: +SKIP
    13
    """
    return VGG(VGG_CONFIGS["vgg16"], n_classes)


def vgg_small(n_classes: int = 10, in_channels: int = 3) -> VGG:
    """VGG-11 at 1/8 width for 32×32 input (8 conv layers, 8…64 channels, fc 64): trains on a CPU.

    Dropout is off so that ensemble and single-seed training agree exactly.

    Parameters
    ----------
    n_classes : int
        Outputs of the last layer.
    in_channels : int
        Channels of the input images.

    Returns
    -------
    VGG

    Examples
    --------
    >>> import torch
    >>> from fasttda.nets.models import conv_layers, vgg_small
    >>> net = vgg_small()
    >>> len(conv_layers(net)), net(torch.zeros(2, 3, 32, 32)).shape
    (8, torch.Size([2, 10]))
    """
    return VGG(
        VGG_CONFIGS["vgg11"], n_classes, width=1 / 8, hidden=64, pool_side=1, in_channels=in_channels, dropout=0.0
    )


def load_vgg16(path, n_classes: int | None = None, *, strict: bool = True) -> VGG:
    """VGG16 with the weights of a local torchvision-format ``.pth`` state_dict.

    Reads with ``torch.load(weights_only=True)`` (no pickled code runs) and matches by
    key name; a file that is not a VGG16 state_dict raises ValueError naming the keys.

    Parameters
    ----------
    path : str or path-like
        The ``.pth`` file: a state_dict, or a dict holding one under ``"state_dict"``.
    n_classes : int, optional
        Outputs of the last layer; by default read from ``classifier.6.weight`` (1000 when absent).
    strict : bool
        True (default): every key of VGG16 must be in the file and no other. False: missing
        keys keep their random initialisation and unknown keys are ignored.

    Returns
    -------
    VGG
        VGG16 holding the file's weights.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is not a readable state_dict, its keys are not VGG16's (with ``strict``), or a
        tensor's shape differs from VGG16's.

    Examples
    --------
    >>> from fasttda.nets.models import load_vgg16
    >>> model = load_vgg16("vgg16-397923af.pth")  # doctest: +SKIP
    >>> model.features[0].weight.shape  # doctest: +SKIP
    torch.Size([64, 3, 3, 3])
    """
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise FileNotFoundError(f"no VGG16 weights file at {path}") from None
    except Exception as e:  # noqa: BLE001 - anything torch cannot read as a tensor dict
        raise ValueError(f"{path} is not a readable torch state_dict file: {e}") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} does not hold a state_dict (a dict of tensors)")
    if n_classes is None:
        fc = state.get("classifier.6.weight")
        n_classes = int(fc.shape[0]) if fc is not None else 1000
    model = vgg16(n_classes)
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if strict and (missing or unexpected):
        raise ValueError(
            f"{path} is not a torchvision VGG16 state_dict: missing keys {missing[:4]}"
            f"{'…' if len(missing) > 4 else ''}, unexpected keys {unexpected[:4]}"
            f"{'…' if len(unexpected) > 4 else ''}"
        )
    for k, v in state.items():
        if k in expected and v.shape != expected[k].shape:
            raise ValueError(f"{path}: {k} has shape {tuple(v.shape)}, VGG16 needs {tuple(expected[k].shape)}")
    model.load_state_dict(state, strict=strict)
    return model


def _variant(base: str, first: str, learn: bool, local: bool = False):
    channels, size = (1, 28) if base == "mnist2" else (3, 32)
    second = "local" if local else "conv"

    def make(n_classes: int = 10) -> SmallCNN:
        return SmallCNN(channels, size, n_classes, first=first, learn_angles=learn, second=second)

    make.__name__ = f"{base}_{first}" + ("_learned" if learn else "") + ("_local" if local else "")
    make.__doc__ = (
        f"``{base}`` whose first layer is the {'Klein bottle' if first == 'klein' else 'primary circle'} "
        f"({'learned' if learn else 'fixed'} angles)"
        + (", and whose second layer is localised on the same model (``LocalisedConv2d``)." if local else ".")
    )
    return make


MODELS = {"mnist2": mnist2, "cifar2": cifar2, "vgg16": vgg16, "vgg_small": vgg_small}
for _base in ("mnist2", "cifar2"):
    for _first in ("circle", "klein"):
        for _learn, _local in ((False, False), (True, False), (False, True)):
            _f = _variant(_base, _first, _learn, _local)
            MODELS[_f.__name__] = _f


def build(name: str, **kwargs) -> nn.Module:
    """A model by name: one of ``MODELS``.

    Parameters
    ----------
    name : str
    **kwargs
        Passed to the model's function.

    Returns
    -------
    torch.nn.Module

    Raises
    ------
    ValueError
        For an unknown name, naming those there are.

    Examples
    --------
    >>> from fasttda.nets.models import build
    >>> type(build("mnist2")).__name__
    'SmallCNN'
    """
    try:
        return MODELS[name](**kwargs)
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}") from None


def conv_layers(model: nn.Module) -> dict[int, tuple[str, nn.Conv2d]]:
    """{layer: (parameter name of its weight, module)} with layer 1 the first conv, in forward order
    of registration (which is the order of every network here).

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    dict

    Examples
    --------
    >>> from fasttda.nets.models import conv_layers, mnist2
    >>> {layer: name for layer, (name, _) in conv_layers(mnist2()).items()}
    {1: 'conv1.weight', 2: 'conv2.weight'}
    """
    out = {}
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, *TOPOLOGICAL)):
            out[len(out) + 1] = (f"{name}.weight" if name else "weight", module)
    return out


def conv_weight(model: nn.Module, key: str) -> torch.Tensor:
    """The weight under ``key`` (a name of ``conv_weight_names``): the parameter of an ``nn.Conv2d``,
    the kernels computed from the angles of a ``CircleConv2d`` / ``KleinConv2d``.

    Parameters
    ----------
    model : torch.nn.Module
    key : str
        A parameter name such as ``"conv1.weight"``.

    Returns
    -------
    torch.Tensor
        (out, in, k, k) weight, in the model's graph (gradients flow through it).

    Examples
    --------
    >>> from fasttda.nets.models import build, conv_weight
    >>> net = build("mnist2_circle")
    >>> conv_weight(net, "conv1.weight").shape, conv_weight(net, "conv2.weight").shape
    (torch.Size([64, 1, 3, 3]), torch.Size([32, 64, 3, 3]))
    """
    params = dict(model.named_parameters())
    if key in params:
        return params[key]
    return model.get_submodule(key.rpartition(".")[0]).weight


def conv_weight_names(model: nn.Module, layers=None) -> dict[int, str]:
    """{layer: state_dict key of its weight} for the requested layers (all when None).

    Parameters
    ----------
    model : torch.nn.Module
    layers : list of int, optional

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        For a layer the model does not have.

    Examples
    --------
    >>> from fasttda.nets.models import conv_weight_names, mnist2
    >>> conv_weight_names(mnist2(), [2])
    {2: 'conv2.weight'}
    """
    convs = conv_layers(model)
    if layers is None:
        layers = list(convs)
    if isinstance(layers, int):
        layers = [layers]
    out = {}
    for layer in layers:
        if layer not in convs:
            raise ValueError(f"layer {layer} does not exist: the model has conv layers 1..{len(convs)}")
        out[int(layer)] = convs[layer][0]
    return out
