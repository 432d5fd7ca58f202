"""The torch-free `.pth` reader: both layouts, strides and offsets, and refusal of anything but tensors.

The checkpoints are written byte by byte here (torch is not installed), following torch's own layout.
"""

import io
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

from skin_classifier.torch_checkpoint import UnsafeCheckpointError, load_state_dict


def _global(module: str, name: str) -> bytes:
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()


def _str(text: str) -> bytes:
    raw = text.encode()
    return pickle.BINUNICODE + struct.pack("<I", len(raw)) + raw


def _int(value: int) -> bytes:
    return pickle.BININT + struct.pack("<i", value)


def _tuple(*items: bytes) -> bytes:
    return pickle.MARK + b"".join(items) + pickle.TUPLE


def _ordered_dict() -> bytes:
    return _global("collections", "OrderedDict") + pickle.EMPTY_TUPLE + pickle.REDUCE


def _tensor(
    key: str, storage_type: str, numel: int, offset: int, size: tuple, stride: tuple, legacy: bool = False
) -> bytes:
    """What torch pickles for a tensor: _rebuild_tensor_v2(storage, offset, size, stride, grad, hooks)."""
    record = [_str("storage"), _global("torch", storage_type), _str(key), _str("cpu"), _int(numel)]
    storage = _tuple(*record, pickle.NONE) if legacy else _tuple(*record)
    args = _tuple(
        storage + pickle.BINPERSID,
        _int(offset),
        _tuple(*map(_int, size)),
        _tuple(*map(_int, stride)),
        pickle.NEWFALSE,
        _ordered_dict(),
    )
    return _global("torch._utils", "_rebuild_tensor_v2") + args + pickle.REDUCE


STORAGES = {  # key -> (torch storage type, values)
    "0": ("FloatStorage", np.arange(6, dtype="<f4")),
    "1": ("LongStorage", np.array([10, 11, 12, 13], dtype="<i8")),
    "2": ("HalfStorage", np.array([0.5, -2.0, 3.0], dtype="<f2")),
}
EXPECTED = {
    "weight": np.arange(6, dtype=np.float32).reshape(2, 3).T,  # a transposed view: strides honoured
    "steps": np.array([11, 12], dtype=np.int64),  # offset into a shared storage
    "first_row": np.array([0.0, 1.0, 2.0], dtype=np.float32),  # shares storage 0 with weight
    "half": np.array([0.5, -2.0, 3.0], dtype=np.float16),
}


def _state_dict_pickle(legacy: bool = False) -> bytes:
    tensors = {
        "weight": _tensor("0", "FloatStorage", 6, 0, (3, 2), (1, 3), legacy),
        "steps": _tensor("1", "LongStorage", 4, 1, (2,), (1,), legacy),
        "first_row": _tensor("0", "FloatStorage", 6, 0, (3,), (1,), legacy),
        "half": _tensor("2", "HalfStorage", 3, 0, (3,), (1,), legacy),
    }
    items = b"".join(_str(name) + pickled for name, pickled in tensors.items())
    return pickle.PROTO + b"\x02" + _ordered_dict() + pickle.MARK + items + pickle.SETITEMS + pickle.STOP


def _zip_checkpoint(path, data_pkl: bytes) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/byteorder", "little")
        archive.writestr("archive/version", "3\n")
        for key, (_, values) in STORAGES.items():
            archive.writestr(f"archive/data/{key}", values.tobytes())


def _legacy_checkpoint(path, main_pickle: bytes) -> None:
    stream = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}):
        pickle.dump(header, stream, protocol=2)
    stream.write(main_pickle)
    pickle.dump(sorted(STORAGES), stream, protocol=2)
    for key in sorted(STORAGES):
        values = STORAGES[key][1]
        stream.write(struct.pack("<q", values.size) + values.tobytes())
    path.write_bytes(stream.getvalue())


def _check(state):
    assert list(state) == list(EXPECTED)
    for name, expected in EXPECTED.items():
        assert state[name].dtype == expected.dtype and state[name].shape == expected.shape, name
        np.testing.assert_array_equal(state[name], expected)


def test_reads_zip_checkpoint(tmp_path):
    _zip_checkpoint(tmp_path / "model.pth", _state_dict_pickle())
    _check(load_state_dict(tmp_path / "model.pth"))


def test_reads_legacy_checkpoint(tmp_path):
    _legacy_checkpoint(tmp_path / "model.pth", _state_dict_pickle(legacy=True))
    _check(load_state_dict(tmp_path / "model.pth"))


def test_arrays_are_independent_copies(tmp_path):
    _zip_checkpoint(tmp_path / "model.pth", _state_dict_pickle())
    state = load_state_dict(tmp_path / "model.pth")
    state["first_row"][0] = 99.0
    assert state["weight"][0, 0] == 0.0


def test_tensor_past_its_storage_is_refused(tmp_path):
    data = _state_dict_pickle().replace(
        _tensor("1", "LongStorage", 4, 1, (2,), (1,)), _tensor("1", "LongStorage", 4, 3, (2,), (1,))
    )
    _zip_checkpoint(tmp_path / "model.pth", data)
    with pytest.raises(ValueError, match="past the end"):
        load_state_dict(tmp_path / "model.pth")


class _RunsCommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class _Evals:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return eval, (f"open({str(self.marker)!r}, 'w')",)


@pytest.mark.parametrize("payload", [_RunsCommand, _Evals])
@pytest.mark.parametrize("layout", ["zip", "legacy"])
def test_malicious_pickle_is_refused_without_side_effect(tmp_path, payload, layout):
    marker = tmp_path / "pwned"
    evil = pickle.dumps({"weight": payload(marker)}, protocol=2)
    path = tmp_path / "evil.pth"
    if layout == "zip":
        _zip_checkpoint(path, evil)
    else:
        _legacy_checkpoint(path, evil)
    with pytest.raises(UnsafeCheckpointError, match=r"system|eval"):
        load_state_dict(path)
    assert not marker.exists()


def test_malicious_first_pickle_of_legacy_stream_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    (tmp_path / "evil.pth").write_bytes(pickle.dumps(_RunsCommand(marker), protocol=2))
    with pytest.raises(UnsafeCheckpointError):
        load_state_dict(tmp_path / "evil.pth")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("torch._utils", "_rebuild_from_type_v2"),
        ("collections", "namedtuple"),
        ("__builtin__", "getattr"),
        ("torch", "load"),
    ],
)
def test_only_whitelisted_globals(tmp_path, module, name):
    data = _state_dict_pickle().replace(_global("collections", "OrderedDict"), _global(module, name), 1)
    _zip_checkpoint(tmp_path / "model.pth", data)
    with pytest.raises(UnsafeCheckpointError, match=name):
        load_state_dict(tmp_path / "model.pth")


def test_not_a_checkpoint(tmp_path):
    (tmp_path / "notes.pth").write_bytes(b"hello, not a pickle")
    with pytest.raises(ValueError):
        load_state_dict(tmp_path / "notes.pth")
