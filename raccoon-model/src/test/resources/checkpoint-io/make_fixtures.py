#!/usr/bin/env python3
"""Builds PyTorch-format checkpoints without torch, for the dev.raccoon.model.io tests.

torch.save writes a zip: <folder>/data.pkl (a protocol-2 pickle whose tensors reference storages through
persistent ids), <folder>/data/<key> (raw storage bytes), <folder>/byteorder and <folder>/version. Stand-in
functions registered under torch's module names make pickle emit exactly the GLOBALs torch emits.

Run from this directory: python3 make_fixtures.py

views-legacy/pytorch_model.bin is views/ re-saved by real torch (2.11) in the format torch.save wrote before 1.6:
python3 -c 'import torch; torch.save(torch.load("views/pytorch_model.bin", weights_only=False),
                                     "views-legacy/pytorch_model.bin", _use_new_zipfile_serialization=False)'
"""
import collections
import os
import pickle
import struct
import sys
import types
import zipfile


def torch_global(module, name):
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault(".".join(parts[:i]), types.ModuleType(".".join(parts[:i])))

    def stand_in(*args):
        raise RuntimeError("stand-in for " + module + "." + name + " must never be called")

    stand_in.__module__, stand_in.__name__, stand_in.__qualname__ = module, name, name
    setattr(sys.modules[module], name, stand_in)
    return stand_in


rebuild_tensor_v2 = torch_global("torch._utils", "_rebuild_tensor_v2")
rebuild_parameter = torch_global("torch._utils", "_rebuild_parameter")
rebuild_from_type_v2 = torch_global("torch._tensor", "_rebuild_from_type_v2")
parameter_type = torch_global("torch.nn.parameter", "Parameter")
STORAGE_TYPES = {name: torch_global("torch", name)
                 for name in ("FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage", "LongStorage")}


class Storage:
    def __init__(self, key, type_name, fmt, values):
        self.key, self.type_name, self.fmt, self.values = key, type_name, fmt, values

    def payload(self, order):
        return struct.pack(order + self.fmt * len(self.values), *self.values)


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return rebuild_tensor_v2, self.args


class Parameter:
    def __init__(self, tensor):
        self.tensor = tensor

    def __reduce__(self):
        return rebuild_parameter, (self.tensor, True, collections.OrderedDict())


class SubclassTensor:
    """What torch emits for a tensor subclass: _rebuild_from_type_v2(func, new_type, args, state)."""

    def __init__(self, tensor):
        self.tensor = tensor

    def __reduce__(self):
        return rebuild_from_type_v2, (rebuild_tensor_v2, parameter_type, self.tensor.args, {})


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", STORAGE_TYPES[obj.type_name], obj.key, "cpu", len(obj.values))
        return None


def storages_of(state):
    found = {}
    for value in state.values():
        while not isinstance(value, Tensor):
            value = value.tensor
        found[value.args[0].key] = value.args[0]
    return found.values()


def write_checkpoint(path, folder, data_pkl, storages=(), order="<"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    entries = [("data.pkl", data_pkl), ("byteorder", b"little" if order == "<" else b"big")]
    entries += [("data/" + s.key, s.payload(order)) for s in storages]
    entries += [("version", b"3\n")]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, payload in entries:
            # A fixed timestamp keeps the fixtures byte-for-byte reproducible.
            z.writestr(zipfile.ZipInfo(folder + "/" + name, date_time=(2024, 1, 1, 0, 0, 0)), payload)


def views(path, order):
    floats = Storage("0", "FloatStorage", "f", [float(i) for i in range(12)])
    halfs = Storage("1", "HalfStorage", "e", [1.5, -2.0, 65504.0])
    bf16 = Storage("2", "BFloat16Storage", "H", [0x3F80, 0xC040])  # 1.0, -3.0
    doubles = Storage("3", "DoubleStorage", "d", [0.1, -1e300])
    longs = Storage("4", "LongStorage", "q", [0, 1, 2])
    state = collections.OrderedDict()
    state["a.full"] = Tensor(floats, 0, (3, 4), (4, 1))
    state["a.t"] = Tensor(floats, 0, (4, 3), (1, 4))
    state["a.slice"] = Tensor(floats, 5, (2,), (3,))
    state["a.scalar"] = Tensor(floats, 7, (), ())
    state["a.expand"] = Tensor(floats, 1, (2, 3), (0, 1))
    state["a.empty"] = Tensor(floats, 0, (0, 4), (4, 1))
    state["a.param"] = Parameter(Tensor(floats, 1, (2, 2), (4, 1)))
    state["h"] = Tensor(halfs, 0, (3,), (1,))
    state["b"] = SubclassTensor(Tensor(bf16, 0, (2,), (1,)))
    state["d"] = Tensor(doubles, 0, (2, 1), (1, 1))
    state["position_ids"] = Tensor(longs, 0, (1, 3), (3, 1))
    # model.state_dict() carries a _metadata attribute, which pickles as a BUILD on the OrderedDict.
    state._metadata = collections.OrderedDict([("", {"version": 1})])
    buffer = __import__("io").BytesIO()
    TorchPickler(buffer, protocol=2).dump(state)
    write_checkpoint(path, "archive", buffer.getvalue(), storages_of(state), order)


class RunsACommand:
    def __reduce__(self):
        return os.system, ("touch /tmp/raccoon-malicious-pickle-ran",)


def malicious(path):
    weight = Storage("0", "FloatStorage", "f", [1.0, 2.0])
    state = {"classifier.weight": Tensor(weight, 0, (2,), (1,)), "classifier.bias": RunsACommand()}
    buffer = __import__("io").BytesIO()
    TorchPickler(buffer, protocol=2).dump(state)
    write_checkpoint(path, "pytorch_model", buffer.getvalue(), [weight])


if __name__ == "__main__":
    views("views/pytorch_model.bin", "<")
    views("views-big-endian/pytorch_model.bin", ">")
    malicious("malicious/pytorch_model.bin")
