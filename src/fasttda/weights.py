"""Conv kernels out of weights files of every common format, without running code from them.

``load_weights(path)`` returns the convolution kernels of a network, one
(out, in, kh, kw) float32 array per layer, in the order the network applies
them and under the file's own names. Which tensors are conv kernels, format by
format:

- PyTorch ``.pt``/``.pth``/``.bin``/``.ckpt``: a state_dict, or a checkpoint
  dict holding one under ``state_dict``, ``model_state_dict``, ``model``,
  ``net``, ``network`` or ``module``. A kernel is a 4-D floating tensor whose
  name ends in ``weight`` or ``kernel``; the order is the dict's, which is the
  order modules were registered in (the order of application for
  ``nn.Sequential`` and most networks). Read with ``torch.load(weights_only=True)``.
- ``.safetensors``: the same name rule. The format keeps no order (writers
  sort tensors by name), so layers come sorted by name with numbers compared
  as numbers (``features.2`` before ``features.10``).
- ONNX ``.onnx``: the weight input of every ``Conv`` node, the nodes walked in
  topological order and the weight followed back through ``Identity``,
  ``Cast`` and ``Constant`` nodes to its initializer. A layer is named after
  that initializer (the node's name when the initializer's is generated,
  ``onnx::…``). Quantized convolutions (``QLinearConv``, ``ConvInteger``, a
  weight from ``DequantizeLinear``) are skipped with a note.
- Keras ``.h5``: a full-model file (``model_weights`` group) or a weights-only
  file (``layer_names`` attribute, Keras 2), or a Keras 3 ``.weights.h5``
  (``layers/<name>/vars``); ``.keras`` is the Keras 3 zip of ``config.json``
  and ``model.weights.h5``, whose layer order comes from ``config.json``.
  Conv2D kernels (kh, kw, in, out) are transposed to (out, in, kh, kw);
  DepthwiseConv2D kernels (kh, kw, in, mult) become (in·mult, 1, kh, kw) with
  ``groups = in``. Layers are named by their Keras layer name.
- ``.npz``: every 4-D floating array, in the archive's order (the order of
  ``np.savez``'s arguments); ``.npy``: one 4-D array, named after the file.

Nothing is unpickled beyond tensors (``weights_only=True``,
``allow_pickle=False``): a file that would run code is refused with an error.
"""

from __future__ import annotations

import io
import json
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["FORMATS", "LayerWeights", "load_layer", "load_weights", "natural_key"]

FORMATS = {
    ".pt": "torch",
    ".pth": "torch",
    ".bin": "torch",
    ".ckpt": "torch",
    ".safetensors": "safetensors",
    ".onnx": "onnx",
    ".h5": "keras",
    ".hdf5": "keras",
    ".keras": "keras-zip",
    ".npz": "npz",
    ".npy": "npy",
}
KERNEL_SUFFIXES = ("weight", "kernel")
STATE_DICT_KEYS = ("state_dict", "model_state_dict", "model", "net", "network", "module")

# What the first bytes say a file is (see _sniff), and the formats each suffix accepts.
_CONTENT = {
    "npy": "a NumPy .npy array",
    "hdf5": "an HDF5 (Keras .h5) file",
    "pickle": "a Python pickle",
    "torch-zip": "a PyTorch zip archive",
    "npz": "a NumPy .npz archive",
    "keras-zip": "a Keras 3 .keras archive",
    "zip": "a zip archive",
    "safetensors": "a safetensors file",
}
_NAMES = {
    "torch": "PyTorch weights file",
    "safetensors": "safetensors file",
    "keras": "Keras HDF5 file",
    "keras-zip": "Keras 3 .keras archive",
    "npz": ".npz file",
    "npy": ".npy array",
}
_ACCEPTS = {
    "torch": {"torch-zip", "pickle"},
    "safetensors": {"safetensors"},
    "keras": {"hdf5"},
    "keras-zip": {"keras-zip"},
    "npz": {"npz"},
    "npy": {"npy"},
    "onnx": set(),
}


class LayerWeights(dict):
    """``{layer name: kernel (out, in, kh, kw) float32}`` in the order the network applies them.

    Parameters
    ----------
    items : mapping or iterable of (str, ndarray) pairs
        The kernels, as for ``dict``.
    groups : dict, optional
        The ``groups`` attribute (empty when None).
    notes : list of str, optional
        The ``notes`` attribute (empty when None).
    source : str, optional
        The ``source`` attribute.

    Attributes
    ----------
    groups : dict
        ``{layer name: number of groups}`` where the source states it (ONNX's
        ``group``, a Keras depthwise layer, a torch module); a grouped layer's
        kernel is (out, in / groups, kh, kw). A state_dict does not record it.
    notes : list of str
        What was skipped and why (quantized layers, unreadable weights).
    source : str or None
        The file (or module class) the kernels came from.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.weights import LayerWeights
    >>> LayerWeights({"conv1.weight": np.zeros((16, 3, 3, 3), np.float32)}, source="net.pt")
    LayerWeights(1 conv layers from net.pt: conv1.weight: (16, 3, 3, 3))
    """

    def __init__(self, items=(), *, groups=None, notes=None, source=None):
        super().__init__(items)
        self.groups = dict(groups or {})
        self.notes = list(notes or [])
        self.source = source

    def __repr__(self) -> str:
        layers = ", ".join(f"{k}: {tuple(v.shape)}" for k, v in self.items())
        return f"LayerWeights({len(self)} conv layers from {self.source}: {layers})"


def natural_key(name: str) -> list:
    """Sort key comparing the digit runs of a name as numbers: ``conv2`` before ``conv10``.

    Parameters
    ----------
    name : str

    Returns
    -------
    list
        Text and integer runs, alternating.

    Examples
    --------
    >>> from fasttda.weights import natural_key
    >>> sorted(["conv10", "conv2", "conv1"], key=natural_key)
    ['conv1', 'conv2', 'conv10']
    """
    return [int(t) if i % 2 else t for i, t in enumerate(re.split(r"(\d+)", str(name)))]


def _reason(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _need(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        extra = "torch" if module == "torch" else "formats"
        raise ImportError(f"reading this file needs the {module} package: pip install 'fasttda[{extra}]'") from None


def _is_kernel_name(name) -> bool:
    return str(name).lower().endswith(KERNEL_SUFFIXES)


def _sniff(path: Path) -> str | None:
    """The format the file's first bytes show, or None when they show none (ONNX has no magic)."""
    with open(path, "rb") as f:
        head = f.read(16)
    if not head:
        raise ValueError(f"{path} is empty")
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "hdf5"
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise ValueError(f"{path} is truncated or damaged: not a complete zip archive ({_reason(e)})") from None
        if any(n.endswith("data.pkl") for n in names):
            return "torch-zip"
        if "config.json" in names and any(n.endswith(".h5") for n in names):
            return "keras-zip"
        if names and all(n.endswith(".npy") for n in names):
            return "npz"
        return "zip"
    if head[:1] == b"\x80":
        return "pickle"
    if len(head) >= 9 and head[8:9] == b"{" and 0 < int.from_bytes(head[:8], "little") < 1 << 30:
        return "safetensors"
    return None


def load_weights(path) -> LayerWeights:
    """The convolution kernels of a weights file, one array per layer.

    Parameters
    ----------
    path : str or Path
        A ``.pt``/``.pth``/``.bin``/``.ckpt`` (PyTorch), ``.safetensors``,
        ``.onnx``, ``.h5``/``.keras`` (Keras), ``.npz`` or ``.npy`` file. The
        module docstring says which tensors count as conv kernels in each.

    Returns
    -------
    LayerWeights
        A dict ``{layer name: (out, in, kh, kw) float32 array}`` in the order
        the network applies the layers, with ``groups`` and ``notes``.

    Raises
    ------
    ValueError
        The file is missing, empty, truncated, not what its suffix says, holds
        no conv kernel, or holds Python objects that loading would run.
    ImportError
        The format needs a package that is not installed (``fasttda[formats]``).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> np.savez(path, conv1=np.ones((8, 3, 3, 3), np.float32), fc=np.ones((10, 8)))
    >>> {k: v.shape for k, v in load_weights(path).items()}
    {'conv1': (8, 3, 3, 3)}
    """
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path} has an unknown suffix {path.suffix!r}: weights files are {', '.join(FORMATS)}")
    if not path.is_file():
        raise FileNotFoundError(f"weights file {path} does not exist")
    found = _sniff(path)
    if found is not None and found not in _ACCEPTS[kind]:
        raise ValueError(f"{path} is named {path.suffix} but holds {_CONTENT[found]}: rename it to its format's suffix")
    if found is None and kind != "onnx":  # only ONNX (protobuf) has no signature to check
        raise ValueError(f"{path} is not a readable {_NAMES[kind]}: its first bytes are not those of one")
    reader = {
        "torch": _read_torch,
        "safetensors": _read_safetensors,
        "onnx": _read_onnx,
        "keras": _read_keras_h5,
        "keras-zip": _read_keras_zip,
        "npz": _read_npz,
        "npy": _read_npy_dict,
    }[kind]
    weights = reader(path)
    weights.source = str(path)
    if not weights:
        skipped = f" ({'; '.join(weights.notes)})" if weights.notes else ""
        raise ValueError(f"{path} holds no conv kernel (a 4-D weight (out, in, kh, kw)){skipped}")
    return weights


def _as_kernel(arr) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(arr), dtype=np.float32)


# ---------------------------------------------------------------- PyTorch


def _read_torch(path: Path) -> LayerWeights:
    torch = _need("torch")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "GLOBAL" in str(e):  # the weights-only unpickler met a class or function it does not allow
            raise ValueError(
                f"{path} holds Python objects other than tensors, which fasttda does not load because "
                "loading them could run code: save the model's state_dict() instead"
            ) from None
        raise ValueError(
            f"{path} is not a readable PyTorch weights file: it is damaged, or a pickle that torch.save did not write"
        ) from None
    except Exception as e:  # noqa: BLE001 - truncated archives, foreign bytes: anything torch cannot read
        raise ValueError(f"{path} is not a readable PyTorch weights file ({_reason(e)})") from None
    if isinstance(obj, torch.Tensor):  # one tensor: the kernel, named after the file
        ok = obj.ndim == 4 and obj.is_floating_point()
        return LayerWeights({path.stem: _as_kernel(obj.detach().float().numpy())} if ok else {})
    if not isinstance(obj, dict):
        raise ValueError(f"{path} holds a {type(obj).__name__}, not a state_dict, a checkpoint dict or a tensor")
    state = obj
    for key in STATE_DICT_KEYS:
        inner = obj.get(key)
        if isinstance(inner, dict) and any(isinstance(v, torch.Tensor) for v in inner.values()):
            state = inner
            break
    out = LayerWeights()
    for name, value in state.items():
        if isinstance(value, torch.Tensor) and value.ndim == 4 and value.is_floating_point() and _is_kernel_name(name):
            out[str(name)] = _as_kernel(value.detach().float().numpy())
    return out


# ---------------------------------------------------------------- safetensors


def _read_safetensors(path: Path) -> LayerWeights:
    safetensors = _need("safetensors")
    try:
        with safetensors.safe_open(str(path), framework="np") as f:
            names = sorted(f.keys(), key=natural_key)
            shapes = {n: f.get_slice(n).get_shape() for n in names}
            dtypes = {n: str(f.get_slice(n).get_dtype()) for n in names}
            out = LayerWeights()
            for name in names:
                if len(shapes[name]) == 4 and dtypes[name].upper().startswith(("F", "BF")) and _is_kernel_name(name):
                    out[name] = (
                        _safetensors_bf16(path, name)
                        if dtypes[name].upper() == "BF16"
                        else _as_kernel(f.get_tensor(name))
                    )
    except (ImportError, ValueError):
        raise
    except Exception as e:  # noqa: BLE001 - SafetensorError and OS errors on a damaged file
        raise ValueError(f"{path} is not a readable safetensors file ({_reason(e)})") from None
    return out


def _safetensors_bf16(path: Path, name: str) -> np.ndarray:
    """A bfloat16 tensor, which numpy has no type for: read as 16-bit words and widened to float32."""
    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
    start, end = header[name]["data_offsets"]
    words = np.fromfile(path, dtype="<u2", count=(end - start) // 2, offset=8 + size + start)
    return (words.astype(np.uint32) << 16).view(np.float32).reshape(header[name]["shape"])


# ---------------------------------------------------------------- ONNX

_PASS_THROUGH = ("Identity", "Cast")
_QUANTIZED = ("QLinearConv", "ConvInteger")


def _topological(graph) -> list:
    """The graph's nodes so that each comes after the nodes whose outputs it reads (file order otherwise)."""
    ready = {""} | {i.name for i in graph.input} | {t.name for t in graph.initializer}
    order, pending = [], list(graph.node)
    while pending:
        rest = []
        for node in pending:
            if all(i in ready for i in node.input):
                order.append(node)
                ready.update(node.output)
            else:
                rest.append(node)
        if len(rest) == len(pending):  # inputs from outside the graph (or a cycle): keep the file's order
            order += rest
            break
        pending = rest
    return order


def _read_onnx(path: Path) -> LayerWeights:
    onnx = _need("onnx")
    from onnx import numpy_helper

    try:
        model = onnx.load(str(path))
    except Exception as e:  # noqa: BLE001 - DecodeError on truncated or foreign bytes
        raise ValueError(f"{path} is not a readable ONNX model ({_reason(e)})") from None
    graph = model.graph
    if not graph.node:
        raise ValueError(f"{path} is not an ONNX model: it has no graph nodes")
    initializers = {t.name: t for t in graph.initializer}
    producers = {out: node for node in graph.node for out in node.output}

    def resolve(name):
        """(array, initializer name) of a Conv weight, or (None, why not)."""
        for _ in range(64):
            if name in initializers:
                return numpy_helper.to_array(initializers[name]), name
            node = producers.get(name)
            if node is None:
                return None, "it is a graph input, not stored in the file"
            if node.op_type in _PASS_THROUGH:
                name = node.input[0]
            elif node.op_type == "Constant":
                value = next((a for a in node.attribute if a.name == "value"), None)
                if value is None:
                    return None, "its Constant node holds no tensor"
                return numpy_helper.to_array(value.t), node.output[0]
            elif node.op_type == "DequantizeLinear":
                return None, "it is quantized (DequantizeLinear)"
            else:
                return None, f"it is computed by a {node.op_type} node"
        return None, "its chain of Identity nodes is too long"

    out, notes = LayerWeights(), []
    for i, node in enumerate(_topological(graph)):
        label = node.name or f"{node.op_type}_{i}"
        if node.op_type in _QUANTIZED:
            notes.append(f"{label} skipped: a quantized convolution ({node.op_type})")
            continue
        if node.op_type != "Conv" or node.domain not in ("", "ai.onnx") or len(node.input) < 2:
            continue
        array, name = resolve(node.input[1])
        if array is None:
            notes.append(f"{label} skipped: {name}")
            continue
        if array.ndim != 4 or array.dtype.kind != "f":
            continue  # 1-D and 3-D convolutions
        if name.startswith("onnx::") or name in out:
            name = label if label not in out else f"{label}_{i}"
        out[name] = _as_kernel(array)
        group = next((onnx.helper.get_attribute_value(a) for a in node.attribute if a.name == "group"), 1)
        out.groups[name] = int(group)
    out.notes += notes
    return out


# ---------------------------------------------------------------- Keras


def _text(v) -> str:
    return v.decode("utf8") if isinstance(v, bytes) else str(v)


def _keras_kernel(arr: np.ndarray, depthwise: bool) -> tuple[np.ndarray, int]:
    """(out, in, kh, kw) kernel and groups of a Keras (kh, kw, in, out) or depthwise (kh, kw, in, mult) one."""
    arr = np.asarray(arr)
    if depthwise:
        kh, kw, cin, mult = arr.shape
        return _as_kernel(arr.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw)), cin
    return _as_kernel(arr.transpose(3, 2, 0, 1)), 1


def _keras_layers(config) -> list[tuple[str, str]]:
    """(layer name, class name) of every layer in a Keras config, in document order (nested models included)."""
    found = []

    def walk(x):
        if isinstance(x, dict):
            inner = x.get("config")
            if "class_name" in x and isinstance(inner, dict) and isinstance(inner.get("name"), str):
                found.append((inner["name"], str(x["class_name"])))
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(config)
    return found


def _read_keras_h5(path: Path, data: bytes | None = None, config=None) -> LayerWeights:
    h5py = _need("h5py")
    try:
        f = h5py.File(io.BytesIO(data) if data is not None else path, "r")
    except Exception as e:  # noqa: BLE001 - OSError from the HDF5 library on truncated or foreign bytes
        raise ValueError(f"{path} is not a readable HDF5 file ({_reason(e)})") from None
    try:
        with f:
            root = f.get("model_weights", f)
            if "layer_names" in root.attrs:
                return _keras2(root)
            if config is None and "model_config" in f.attrs:
                config = json.loads(_text(f.attrs["model_config"]))
            return _keras3(root, config)
    except (ImportError, ValueError):
        raise
    except Exception as e:  # noqa: BLE001 - a damaged HDF5 file fails when its datasets are read
        raise ValueError(f"{path} is not a readable Keras weights file ({_reason(e)})") from None


def _keras2(root) -> LayerWeights:
    """Keras 2 layout: ``layer_names`` in order, each layer's ``weight_names`` naming its datasets."""
    out = LayerWeights()
    for layer in map(_text, root.attrs["layer_names"]):
        group = root[layer]
        kernels = [
            (w, group[w])
            for w in map(_text, group.attrs.get("weight_names", []))
            if w in group and group[w].ndim == 4 and w.split("/")[-1].split(":")[0].endswith("kernel")
        ]
        for w, ds in kernels:
            base = w.split("/")[-1].split(":")[0]
            name = layer if len(kernels) == 1 else f"{layer}/{base}"
            out[name], groups = _keras_kernel(ds[()], base.startswith("depthwise"))
            out.groups[name] = groups
    return out


def _keras3(root, config) -> LayerWeights:
    """Keras 3 layout: ``layers/<name>/vars/<i>`` (nested models nest), ordered by the config when given."""
    classes = dict(_keras_layers(config)) if config is not None else {}
    rank = {name: i for i, (name, _) in enumerate(_keras_layers(config))} if config is not None else {}
    found = []

    def walk(group, names):
        for key in group:
            item = group[key]
            if key == "vars" and names and hasattr(item, "keys"):
                found.append((names[-1], item))
            elif hasattr(item, "keys") and key != "optimizer":
                walk(item, names + ([] if key == "layers" else [key]))

    walk(root, [])
    found.sort(key=lambda x: (rank.get(x[0], len(rank)), natural_key(x[0])))
    out = LayerWeights()
    for layer, variables in found:
        cls = classes.get(layer, "")
        kernels = [(k, variables[k]) for k in sorted(variables, key=natural_key) if variables[k].ndim == 4]
        for j, (k, ds) in enumerate(kernels):
            # SeparableConv2D keeps (depthwise, pointwise); DepthwiseConv2D its one depthwise kernel.
            depthwise = cls == "DepthwiseConv2D" or (cls == "SeparableConv2D" and j == 0)
            name = layer if len(kernels) == 1 else f"{layer}/{k}"
            out[name], groups = _keras_kernel(ds[()], depthwise)
            out.groups[name] = groups
    return out


def _read_keras_zip(path: Path) -> LayerWeights:
    try:
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read("config.json"))
            weights = next((n for n in ("model.weights.h5", "variables.h5") if n in z.namelist()), None)
            if weights is None:
                raise ValueError(f"{path} is a .keras archive without model.weights.h5")
            data = z.read(weights)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} is not a readable .keras archive ({_reason(e)})") from None
    return _read_keras_h5(path, data=data, config=config)


# ---------------------------------------------------------------- NumPy


def _read_npz(path: Path) -> LayerWeights:
    out = LayerWeights()
    try:
        with np.load(path, allow_pickle=False) as z:
            for name in z.files:
                arr = z[name]
                if arr.ndim == 4 and arr.dtype.kind == "f":
                    out[name] = _as_kernel(arr)
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise ValueError(
                f"{path} holds pickled Python objects, which fasttda does not load because loading them could run code"
            ) from None
        raise ValueError(f"{path} is not a readable .npz file ({_reason(e)})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"{path} is not a readable .npz file ({_reason(e)})") from None
    return out


def _read_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise ValueError(
                f"{path} holds pickled Python objects, which fasttda does not load because loading them could run code"
            ) from None
        raise ValueError(f"{path} is not a readable .npy array ({_reason(e)})") from None
    except (OSError, EOFError) as e:
        raise ValueError(f"{path} is not a readable .npy array ({_reason(e)})") from None


def _read_npy_dict(path: Path) -> LayerWeights:
    arr = _read_npy(path)
    if arr.ndim != 4 or arr.dtype.kind != "f":
        raise ValueError(f"{path} holds a {arr.dtype} array of shape {arr.shape}, not a conv kernel (out, in, kh, kw)")
    return LayerWeights({path.stem: _as_kernel(arr)})


# ---------------------------------------------------------------- one layer, for the command line


def load_layer(path, layer: int | None = None) -> np.ndarray:
    """One layer of a weights file: the ``layer``-th conv kernel (1 = first), or the only one.

    Parameters
    ----------
    path : str or Path
        Any file ``load_weights`` reads. A ``.npy`` file is returned as it is
        (any shape ``fasttda.filter_vectors`` takes); in an ``.npz``, an array
        named ``layer<L>`` is layer L.
    layer : int, optional
        Which conv layer, counting from 1 in the network's order; needed when
        the file holds more than one.

    Returns
    -------
    numpy.ndarray
        The kernel (out, in, kh, kw).

    Raises
    ------
    ValueError
        As ``load_weights``, or when ``layer`` is missing or out of range.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
    >>> np.savez(path, a=np.ones((4, 1, 3, 3)), b=np.ones((8, 4, 3, 3)))
    >>> load_layer(path, 2).shape
    (8, 4, 3, 3)
    """
    path = Path(path)
    if layer is not None and (isinstance(layer, bool) or not isinstance(layer, (int, np.integer))):
        raise TypeError(f"layer must be an integer (1 = first conv layer), got {layer!r}")
    if path.suffix.lower() == ".npy":
        if not path.is_file():
            raise FileNotFoundError(f"weights file {path} does not exist")
        if _sniff(path) != "npy":
            raise ValueError(f"{path} is named .npy but is not a NumPy .npy array")
        return _read_npy(path)
    weights = load_weights(path)
    if path.suffix.lower() == ".npz" and layer is not None and f"layer{layer}" in weights:
        return weights[f"layer{layer}"]
    names = list(weights)
    listed = ", ".join(names)
    if layer is None:
        if len(names) == 1:
            return weights[names[0]]
        raise ValueError(f"{path} holds {len(names)} conv weights ({listed}): choose one with --layer 1..{len(names)}")
    if not 1 <= layer <= len(names):
        raise ValueError(f"{path} has conv layers 1..{len(names)} ({listed}); there is no layer {layer}")
    return weights[names[layer - 1]]
