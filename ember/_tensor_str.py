"""Printing tensors exactly like PyTorch (``repr``/``str``), and the print options.

The layout rules follow PyTorch's ``torch/_tensor_str.py``: one formatter per
tensor (two for complex: real and imaginary parts) picks a common width, fixed
or scientific notation and "integer mode" (``1.``) from the nonzero finite
values; rows wrap at ``linewidth``; tensors with more than ``threshold``
elements are summarised to ``edgeitems`` per edge.  The work is done on the
NumPy array directly, so printing never records autograd history.
"""
import contextlib
import dataclasses
import math

import numpy as np

# PyTorch 2.13 exports only set_printoptions at top level; get_printoptions and printoptions
# live here, as in torch._tensor_str
__all__ = ["set_printoptions"]


@dataclasses.dataclass
class __PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = __PrinterOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set options for printing tensors (as ``torch.set_printoptions``).

    >>> set_printoptions(precision=2); set_printoptions(profile="default")
    """
    if profile is not None:
        if profile == "default":
            PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 4, 1000, 3, 80
        elif profile == "short":
            PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 1000, 2, 80
        elif profile == "full":
            PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 4, math.inf, 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode  # as in PyTorch, every call resets sci_mode unless given


def get_printoptions():
    """The current print options as a dict that ``set_printoptions(**d)`` accepts."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (same arguments as set_printoptions)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ---------------------------------------------------------------------------
# formatting values


class _Formatter:
    """Chooses one width and notation for every element of an array (PyTorch's rules)."""

    def __init__(self, arr):
        self.floating_dtype = arr.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if arr.size == 0:
            return
        if not self.floating_dtype:
            if arr.dtype.kind == "b":
                self.max_width = 4 if arr.all() else 5
            else:  # the widest decimal is at one of the extremes
                self.max_width = max(len(str(arr.max())), len(str(arr.min())), 1)
            return
        vals = arr[np.isfinite(arr) & (arr != 0)]
        if vals.size == 0:
            return
        absvals = np.abs(vals)
        vmin, vmax = float(absvals.min()), float(absvals.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        opt = PRINT_OPTS.sci_mode
        self.sci_mode = (vmax / vmin > 1000.0 or vmax > 1.0e8 or vmin < 1.0e-4) if opt is None else opt
        vals = np.unique(vals).tolist()
        if self.sci_mode:
            fmt, extra = f"{{:.{PRINT_OPTS.precision}e}}", 0
        elif self.int_mode:
            fmt, extra = "{:.0f}", 1  # room for the trailing '.'
        else:
            fmt, extra = f"{{:.{PRINT_OPTS.precision}f}}", 0
        self.max_width = max(self.max_width, max(len(fmt.format(v)) + extra for v in vals))

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating_dtype:
            if self.sci_mode:
                ret = f"{{:{self.max_width}.{PRINT_OPTS.precision}e}}".format(value)
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{{:.{PRINT_OPTS.precision}f}}".format(value)
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _complex_str(real_str, imag_str):
    imag_str = (imag_str + "j").lstrip()
    # handles negative numbers, +0.0, -0.0
    return real_str + imag_str if imag_str[0] in "+-" else real_str + "+" + imag_str


def _values(arr):
    """Python numbers for formatting: floats as exact float64 (also float16/bfloat16), ints, bools."""
    if arr.dtype.kind in "fV":  # 'V': ml_dtypes' bfloat16
        return arr.astype(np.float64).tolist()
    return arr.tolist()


def _vector_str(arr, indent, summarize, f1, f2=None):
    element_length = f1.width() + 2  # includes ", "
    if f2 is not None:
        element_length += f2.width() + 1  # the 'j'
    elements_per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))

    if f2 is not None:
        def fmt(v):
            return _complex_str(f1.format(v.real), f2.format(v.imag))
    else:
        fmt = f1.format

    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        data = [fmt(v) for v in _values(arr[:edge])] + [" ..."] + [fmt(v) for v in _values(arr[-edge:])]
    else:
        data = [fmt(v) for v in _values(arr)]
    lines = [", ".join(data[i:i + elements_per_line]) for i in range(0, len(data), elements_per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(arr, indent, summarize, f1, f2=None):
    dim = arr.ndim
    if dim == 0:
        v = _values(arr)
        return _complex_str(f1.format(v.real), f2.format(v.imag)) if f2 is not None else f1.format(v)
    if dim == 1:
        return _vector_str(arr, indent, summarize, f1, f2)
    edge, n = PRINT_OPTS.edgeitems, arr.shape[0]
    if summarize and n > 2 * edge:
        rows = list(range(edge)) + [None] + list(range(n - edge, n))
    else:
        rows = range(n)
    slices = ["..." if i is None else _tensor_str_with_formatter(arr[i], indent + 1, summarize, f1, f2)
              for i in rows]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized(arr):
    """The elements a summarised print shows (so the formatter only looks at them)."""
    edge = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        return np.concatenate((arr[:edge], arr[-edge:])) if arr.shape[0] > 2 * edge else arr
    if not edge:
        return arr[(slice(0, 0),) * arr.ndim]
    n = arr.shape[0]
    rows = list(range(edge)) + list(range(n - edge, n)) if n > 2 * edge else range(n)
    return np.stack([_summarized(arr[i]) for i in rows])


def _as_float(arr):
    return arr.astype(np.float64) if arr.dtype != np.float64 else arr


def _tensor_str(arr, indent):
    if arr.size == 0:
        return "[]"
    summarize = arr.size > PRINT_OPTS.threshold
    shown = _summarized(arr) if summarize else arr
    if arr.dtype.kind == "c":
        f1, f2 = _Formatter(_as_float(shown.real)), _Formatter(_as_float(shown.imag))
        return _tensor_str_with_formatter(arr, indent, summarize, f1, f2)
    if arr.dtype.kind in "fV":
        shown = _as_float(shown)
    return _tensor_str_with_formatter(arr, indent, summarize, _Formatter(shown))


def _add_suffixes(tensor_str, suffixes, indent, force_newline):
    tensor_strs = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if force_newline or last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            tensor_strs.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
            force_newline = False
        else:
            tensor_strs.append(", " + suffix)
            last_line_len += len(suffix) + 2
    tensor_strs.append(")")
    return "".join(tensor_strs)


def _grad_fn_name(grad_fn):
    name = getattr(grad_fn, "name", None)
    name = name() if callable(name) else type(grad_fn).__name__
    return name.rsplit("::", 1)[-1]


def _str(self, *, tensor_contents=None):
    """PyTorch's ``Tensor.__repr__`` text for `self`."""
    from . import _dtype
    from ._tensor import Tensor

    cls = type(self)
    is_parameter = any(c.__name__ == "Parameter" for c in cls.__mro__)
    is_plain_tensor = cls is Tensor or cls.__name__ == "Parameter"
    prefix = "tensor(" if is_plain_tensor else f"{cls.__name__}("
    indent = len(prefix)
    suffixes = []
    custom = tensor_contents is not None
    tensor_str = tensor_contents

    dev = self.device
    if dev.type != "cpu":  # NOTE: PyTorch prints the device when it is not the default tensor type's (cpu)
        suffixes.append(f"device='{dev}'")

    dtype = self.dtype
    default = _dtype.get_default_dtype()
    default_complex = _dtype.complex128 if default is _dtype.float64 else _dtype.complex64
    has_default_dtype = dtype in (default, default_complex, _dtype.int64, _dtype.bool)
    shape = tuple(self._data.shape)

    if self.is_sparse or self.is_sparse_csr:
        tensor_str = _sparse_str(self, suffixes, indent, has_default_dtype, tensor_contents)
    elif dev.type == "meta":
        suffixes.append(f"size={shape}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype}")
        if not custom:
            tensor_str = "..."
    elif self._data.size == 0:
        if len(shape) != 1:  # the shape is shown unless it is (0,), as NumPy does
            suffixes.append(f"size={shape}")
        if dtype is not default:  # nothing to infer the dtype from
            suffixes.append(f"dtype={dtype}")
        if not custom:
            tensor_str = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={shape}")
        if not has_default_dtype:
            suffixes.append(f"dtype={dtype}")
        if not custom:
            tensor_str = _tensor_str(self._host(), indent)

    if self.is_sparse or self.is_sparse_csr:
        suffixes.append(f"layout={self.layout}")
    grad_fn = self._grad_fn
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{_grad_fn_name(grad_fn)}>")
    elif self._requires_grad:
        suffixes.append("requires_grad=True")
    tangent = getattr(self, "_fw_tangent", None)
    if tangent is not None:
        suffixes.append(f"tangent={tangent}")

    string_repr = _add_suffixes(prefix + tensor_str, suffixes, indent, force_newline=self.is_sparse)
    if is_parameter and not is_plain_tensor:
        string_repr = f"Parameter({string_repr})"
    return string_repr


def _sparse_str(self, suffixes, indent, has_default_dtype, contents):
    """A sparse COO or CSR tensor's indices and values, and its size/nnz/dtype suffixes (PyTorch's layout)."""
    sp = self._data
    suffixes.append(f"size={tuple(sp.shape)}")
    suffixes.append(f"nnz={sp.nnz}")
    if not has_default_dtype:
        suffixes.append(f"dtype={self.dtype}")
    if contents is not None:
        return contents
    parts = []
    parts_of = ((("crow_indices", sp.crow), ("col_indices", sp.col)) if self.is_sparse_csr
                else (("indices", sp.indices),)) + (("values", sp.values),)
    for name, arr in parts_of:
        prefix = f"{name}=tensor("
        text = _tensor_str(arr, indent + len(prefix))
        if arr.size == 0:
            text += f", size={tuple(arr.shape)}"
        parts.append(prefix + text + ")")
    return (",\n" + " " * indent).join(parts)


def tensor_repr(t, tensor_contents=None):
    return _str(t, tensor_contents=tensor_contents)
