"""Record the conv filters of your own network while your own loop trains it.

    rec = fasttda.nets.WeightRecorder(model, layers=[1, 2], every=100)       # in memory
    rec = fasttda.nets.WeightRecorder(model, layers=[1, 2], every=100, store="runs/a")  # .npz files
    for batch in loader:
        ...; optimizer.step()
        rec.step()                       # counts one iteration; records when it is a multiple of `every`
    fasttda.nets.layer_filters(rec, layer=1, iteration=500)

or let a forward pre-hook count the iterations for you (training-mode forward passes only):
``rec.attach()`` … ``rec.detach()``. Records go to a :class:`WeightStore` (run = ``run``,
iteration, layer), the same store the ensemble trainer fills, so every extraction
function reads both.
"""

from __future__ import annotations

import torch
from torch import nn

from .models import conv_weight, conv_weight_names
from .store import WeightStore

__all__ = ["WeightRecorder"]


class WeightRecorder:
    """Stores the weights of some conv layers of ``model`` every ``every`` iterations.

    Parameters
    ----------
    model : torch.nn.Module
        The network being trained.
    layers : int or list of int, optional
        Conv layers to record, numbered as ``conv_layers`` (1 = first conv); default all.
    every : int
        Record when the iteration count is a multiple of ``every`` (at least 1).
    store : WeightStore or str or path-like, optional
        Where the records go: a ``WeightStore``, a folder for one (``.npz`` files), or None
        for a new in-memory store.
    run : int
        The run (seed) number the records are stored under.
    record_start : bool
        Record the initial weights at iteration 0 at once.

    Raises
    ------
    TypeError
        ``model`` is not a torch module.
    ValueError
        ``every`` below 1, a layer the model does not have, or a model without conv layers.

    Examples
    --------
    >>> from fasttda.nets.models import mnist2
    >>> from fasttda.nets.recorder import WeightRecorder
    >>> rec = WeightRecorder(mnist2(), layers=[1], every=2)
    >>> rec.step(5)  # five iterations of your own loop: records at 2 and 4
    >>> rec.store.iterations(), rec.store.get(4, 1).shape
    ([0, 2, 4], (64, 1, 3, 3))
    """

    def __init__(
        self, model: nn.Module, layers=None, every: int = 100, store=None, run: int = 0, record_start: bool = True
    ):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if int(every) < 1:
            raise ValueError(f"every must be a positive number of iterations, got {every}")
        self.model = model
        self.names = conv_weight_names(model, layers)
        if not self.names:
            raise ValueError("the model has no conv layers to record")
        self.every = int(every)
        self.run = int(run)
        self.store = store if isinstance(store, WeightStore) else WeightStore(store)
        self.iteration = 0
        self._handle = None
        if record_start:
            self.record()

    @property
    def layers(self) -> list[int]:
        return sorted(self.names)

    @torch.no_grad()
    def record(self, iteration: int | None = None) -> None:
        """Stores the chosen layers now (at ``iteration``, default the current count)."""
        it = self.iteration if iteration is None else int(iteration)
        self.store.put(
            it, {layer: conv_weight(self.model, key).detach() for layer, key in self.names.items()}, run=self.run
        )

    def step(self, n: int = 1) -> None:
        """Counts ``n`` finished iterations and records when the count reaches a multiple of ``every``."""
        for _ in range(int(n)):
            self.iteration += 1
            if self.iteration % self.every == 0:
                self.record()

    def attach(self) -> "WeightRecorder":
        """Counts an iteration at the start of every training-mode forward pass (before the weights of
        that pass are used, so the record at iteration t holds the weights after t updates)."""
        if self._handle is None:

            def hook(module, args):
                if module.training and torch.is_grad_enabled():
                    if self._started:
                        self.step()
                    self._started = True

            self._started = False
            self._handle = self.model.register_forward_pre_hook(hook)
        return self

    def detach(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def __repr__(self) -> str:
        return f"WeightRecorder(layers={self.layers}, every={self.every}, iteration={self.iteration}, {self.store!r})"
