"""Reads and writes the tensor store of tools/train/store.ts: <name>.bin (raw little-endian) + <name>.json {dtype, shape, meta}."""
import json
import os

import numpy as np

_DTYPES = {"float32": np.float32, "int32": np.int32, "uint8": np.uint8}


def read_tensor(path):
    with open(path + ".json") as f:
        header = json.load(f)
    data = np.fromfile(path + ".bin", dtype=_DTYPES[header["dtype"]]).reshape(header["shape"])
    return data, header.get("meta", {})


def write_tensor(path, array, meta=None):
    array = np.ascontiguousarray(array)
    dtype = {np.dtype(np.float32): "float32", np.dtype(np.int32): "int32", np.dtype(np.uint8): "uint8"}[array.dtype]
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    array.astype(array.dtype.newbyteorder("<")).tofile(path + ".bin")
    with open(path + ".json", "w") as f:
        json.dump({"dtype": dtype, "shape": list(array.shape), "meta": meta or {}}, f)


def write_state(path, named_arrays, meta=None):
    """Writes several named float32 arrays (e.g. a state_dict) as one store entry: a flat float32 vector whose
    meta lists each array's name, shape and offset, so the TypeScript exporter can rebuild them."""
    entries, chunks, offset = [], [], 0
    for name, arr in named_arrays.items():
        arr = np.asarray(arr, dtype=np.float32)
        entries.append({"name": name, "shape": list(arr.shape), "offset": offset})
        chunks.append(arr.reshape(-1))
        offset += arr.size
    flat = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    write_tensor(path, flat, {**(meta or {}), "arrays": entries})
