"""Printing tensors like PyTorch (a first version; see set_printoptions)."""
import numpy as np


def tensor_repr(t):
    if t.device.type == "meta":
        body = "..."
    else:
        arr = t._host()
        if arr.dtype.kind == "V" or arr.dtype == np.float16:
            arr = arr.astype(np.float32)
        body = np.array2string(arr, separator=", ", prefix="tensor(")
    suffix = []
    if t.device.type != "cpu":
        suffix.append(f"device='{t.device}'")
    if t.dtype.name not in ("float32", "int64", "bool"):
        suffix.append(f"dtype={t.dtype}")
    if t._grad_fn is not None:
        suffix.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._requires_grad:
        suffix.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + s for s in suffix) + ")"
