"""A batched forward pass for S copies of a plain feed-forward CNN, without vmap.

Convolutional activations of all seeds live in one tensor (B, S·C, H, W), stored
channels-last (oneDNN's native layout: on a CPU its grouped convolutions and max-pools
run 2–3× faster than on NCHW); seed s owns channels s·C … (s+1)·C − 1, so each conv is a
single grouped convolution (groups = S) and ReLU / max-pool / average-pool act on all
seeds in one call with no reshuffling.
After flattening, activations are (S, B, F) and each linear layer is one batched
matrix product. Where a ReLU is followed by a max-pool the pool runs first (max and
ReLU commute, with the same gradients), so the ReLU touches a quarter of the values.

Supported layers: Conv2d (groups=1), CircleConv2d and KleinConv2d (their kernels computed per seed
from the seed's angles, parameters or buffers), LocalisedConv2d (its weight times its mask), ReLU,
MaxPool2d, AdaptiveAvgPool2d, AvgPool2d, Flatten, Linear, Dropout, Identity — the networks of
``fasttda.nets.models``. ``plan(model)`` returns None for anything else, and the trainer falls
back to ``torch.func.vmap``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .topological import TOPOLOGICAL, LocalisedConv2d

_SIMPLE = (
    nn.ReLU,
    nn.MaxPool2d,
    nn.AdaptiveAvgPool2d,
    nn.AvgPool2d,
    nn.Flatten,
    nn.Linear,
    nn.Conv2d,
    nn.Dropout,
    nn.Identity,
    *TOPOLOGICAL,
)


def _leaves(model: nn.Module, prefix: str = ""):
    """(parameter-name prefix, module) of the leaf modules, in registration order."""
    children = list(model.named_children())
    if not children:
        yield prefix, model
        return
    for name, child in children:
        yield from _leaves(child, f"{prefix}{name}.")


def plan(model: nn.Module):
    """The forward steps of ``model`` when it is a plain chain of supported layers, else None."""
    from .models import VGG, SmallCNN

    chain = isinstance(model, nn.Sequential) and type(model).forward is nn.Sequential.forward
    if not (chain or type(model) is VGG or type(model) is SmallCNN):
        return None  # a custom forward(): only chains whose forward is the module order
    owners = {prefix for prefix, m in _leaves(model) if isinstance(m, (*TOPOLOGICAL, LocalisedConv2d))}
    if any(name[: len(name) - len(name.rpartition(".")[2])] not in owners for name, _ in model.named_buffers()):
        return None  # a buffer the batched forward does not know (batch norm statistics …)
    steps = []
    for prefix, m in _leaves(model):
        if not isinstance(m, _SIMPLE):
            return None
        if isinstance(m, nn.Conv2d) and (m.groups != 1 or m.padding_mode != "zeros" or isinstance(m.padding, str)):
            return None
        if isinstance(m, nn.Flatten) and (m.start_dim, m.end_dim) != (1, -1):
            return None
        steps.append((prefix, m))
    if isinstance(model, VGG):  # torch.flatten between avgpool and classifier
        at = next(i for i, (p, _) in enumerate(steps) if p.startswith("classifier."))
        steps.insert(at, ("", nn.Flatten()))
    # ReLU then MaxPool → MaxPool then ReLU (same values, same gradients, 1/4 of the ReLU work)
    out = []
    i = 0
    while i < len(steps):
        if (
            i + 1 < len(steps)
            and isinstance(steps[i][1], nn.ReLU)
            and isinstance(steps[i + 1][1], nn.MaxPool2d)
            and steps[i + 1][1].padding == 0
        ):
            out += [steps[i + 1], steps[i]]
            i += 2
        else:
            out.append(steps[i])
            i += 1
    return out


def forward(
    steps,
    params: dict,
    x: torch.Tensor,
    *,
    shared_input: bool = False,
    training: bool = True,
    channels_last: bool = True,
    buffers: dict | None = None,
):
    """Logits (S, B, classes) of every seed.

    x is (S, B, C, H, W), each seed its own batch, or with ``shared_input`` one batch
    (B, C, H, W) that every seed sees. ``channels_last=False`` keeps activations NCHW.
    ``buffers`` holds the stacked buffers (fixed angles of circle and Klein convolutions).
    """
    S = next(iter(params.values())).shape[0]
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    if shared_input:
        B = x.shape[0]
        h = x.contiguous(memory_format=fmt)  # the first conv reads the same C channels for every seed
    elif channels_last:  # (S, B, C, H, W) → (B, S·C, H, W) stored channels-last, i.e. as (B, H, W, S·C)
        S_, B, C, H, W = x.shape
        h = x.permute(1, 3, 4, 0, 2).contiguous().view(B, H, W, S_ * C).permute(0, 3, 1, 2)
    else:
        S_, B, C, H, W = x.shape
        h = x.transpose(0, 1).reshape(B, S_ * C, H, W)
    flat = False
    first_conv = True
    for prefix, m in steps:
        if isinstance(m, (nn.Conv2d, *TOPOLOGICAL)):
            if isinstance(m, TOPOLOGICAL):  # (S, out, in, k, k) from each seed's angles
                angles = params.get(prefix + "angles")
                w = m.weight_of(angles if angles is not None else buffers[prefix + "angles"])
            else:
                w = params[prefix + "weight"]
                if isinstance(m, LocalisedConv2d):  # zero outside each channel's neighbourhood, and no gradient there
                    w = w * buffers[prefix + "mask"]
            b = params.get(prefix + "bias")
            w2 = w.reshape(S * w.shape[1], *w.shape[2:])
            if shared_input and first_conv:  # every seed reads the same input channels
                h = F.conv2d(h, w2, None if b is None else b.reshape(-1), m.stride, m.padding, m.dilation, 1)
            else:
                h = F.conv2d(h, w2, None if b is None else b.reshape(-1), m.stride, m.padding, m.dilation, S)
            first_conv = False
        elif isinstance(m, nn.ReLU):
            h = F.relu(h)
        elif isinstance(m, nn.MaxPool2d):
            h = F.max_pool2d(h, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode)
        elif isinstance(m, nn.AvgPool2d):
            h = F.avg_pool2d(
                h, m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad, m.divisor_override
            )
        elif isinstance(m, nn.AdaptiveAvgPool2d):
            h = F.adaptive_avg_pool2d(h, m.output_size)
        elif isinstance(m, nn.Flatten):
            if not flat:
                h = h.reshape(B, S, -1).transpose(0, 1)  # (S, B, C·H·W) in torch.flatten's (c, h, w) order
                flat = True
        elif isinstance(m, nn.Linear):
            if not flat:
                raise ValueError("a Linear layer before the activations were flattened")
            w = params[prefix + "weight"]
            b = params.get(prefix + "bias")
            h = torch.bmm(h, w.transpose(1, 2)) if b is None else torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))
        elif isinstance(m, nn.Dropout):
            h = F.dropout(h, m.p, training and m.p > 0)
    if not flat:
        h = h.reshape(B, S, -1).transpose(0, 1)
    return h
