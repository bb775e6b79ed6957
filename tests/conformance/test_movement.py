"""Conformance rows for shape and movement operators (ember/ops/movement.py)."""
import numpy as np

from . import opinfo
from .opinfo import FLOAT, HALF, OpInfo, S, make_arg, make_tests, nograd

# movement ops are dtype-agnostic: a representative spread keeps the suite fast
V = FLOAT + ("int64", "int32", "uint8", "bool") + HALF + ("complex64",)
VF = FLOAT + ("int64", "bool", "complex64")


def a(shape, dtype, rng):
    return np.asarray(make_arg(shape, dtype, rng))  # 0-dim complex comes back as a NumPy scalar


def permute_samples(dtype, rng):
    yield S(a((2, 3, 4), dtype, rng), (2, 0, 1))
    yield S(a((), dtype, rng), ())
    yield S(a((0, 3), dtype, rng), (1, 0))


def transpose_samples(dtype, rng):
    yield S(a((2, 3, 4), dtype, rng), 0, 2)
    yield S(a((2, 3, 4), dtype, rng), -1, 1)
    yield S(a((3,), dtype, rng), 0, -1)
    yield S(a((), dtype, rng), 0, -1)


def t_samples(dtype, rng):
    yield S(a((2, 3), dtype, rng))
    yield S(a((3,), dtype, rng))
    yield S(a((), dtype, rng))
    yield S(a((0, 2), dtype, rng))


def matrix_samples(dtype, rng):
    yield S(a((2, 3), dtype, rng))
    yield S(a((4, 2, 3), dtype, rng))


def squeeze_samples(dtype, rng):
    yield S(a((1, 3, 1, 2), dtype, rng))
    yield S(a((1, 3, 1, 2), dtype, rng), 2)
    yield S(a((1, 3, 1, 2), dtype, rng), -3)              # not size 1: unchanged
    yield S(a((1, 3, 1, 2), dtype, rng), (0, 2))
    yield S(a((1, 3, 1, 2), dtype, rng), dim=(1, -2))
    yield S(a((), dtype, rng), 0)
    yield S(a((1, 0), dtype, rng))


def unsqueeze_samples(dtype, rng):
    yield S(a((2, 3), dtype, rng), 0)
    yield S(a((2, 3), dtype, rng), 2)
    yield S(a((2, 3), dtype, rng), -1)
    yield S(a((2, 3), dtype, rng), dim=1)
    yield S(a((), dtype, rng), 0)


def narrow_samples(dtype, rng):
    yield S(a((4, 5), dtype, rng), 1, 1, 3)
    yield S(a((4, 5), dtype, rng), 0, -2, 2)
    yield S(a((4, 5), dtype, rng), -1, 5, 0)
    yield S(a((4, 5, 2), dtype, rng), dim=2, start=0, length=1)


def select_samples(dtype, rng):
    yield S(a((4, 5), dtype, rng), 1, 2)
    yield S(a((4, 5), dtype, rng), 0, -1)
    yield S(a((3,), dtype, rng), 0, 1)
    yield S(a((2, 3, 4), dtype, rng), dim=-2, index=0)


def unfold_samples(dtype, rng):
    yield S(a((4, 7), dtype, rng), 1, 3, 2)
    yield S(a((4, 7), dtype, rng), 0, 2, 1)                # overlapping windows
    yield S(a((4, 7), dtype, rng), -1, 2, 5)
    yield S(a((5,), dtype, rng), 0, 5, 1)
    yield S(a((), dtype, rng), 0, 1, 1)
    yield S(a((3, 4), dtype, rng), 1, 0, 1)


def diagonal_samples(dtype, rng):
    yield S(a((4, 5), dtype, rng))
    yield S(a((4, 5), dtype, rng), 1)
    yield S(a((4, 5), dtype, rng), -2)
    yield S(a((4, 5), dtype, rng), 7)
    yield S(a((2, 3, 4), dtype, rng), 0, 0, 2)
    yield S(a((2, 3, 4), dtype, rng), offset=1, dim1=-1, dim2=1)


def flatten_samples(dtype, rng):
    yield S(a((2, 3, 4), dtype, rng))
    yield S(a((2, 3, 4), dtype, rng), 1)
    yield S(a((2, 3, 4), dtype, rng), 0, 1)
    yield S(a((2, 3, 4), dtype, rng), start_dim=-2, end_dim=-1)
    yield S(a((), dtype, rng))
    yield S(a((3,), dtype, rng))


def unflatten_samples(dtype, rng):
    yield S(a((2, 12), dtype, rng), 1, (3, 4))
    yield S(a((2, 12), dtype, rng), -1, (2, -1, 3))
    yield S(a((6,), dtype, rng), 0, (6,))


def movedim_samples(dtype, rng):
    yield S(a((2, 3, 4), dtype, rng), 0, 2)
    yield S(a((2, 3, 4), dtype, rng), (0, 1), (2, 0))
    yield S(a((2, 3, 4, 5), dtype, rng), (-1, 0), (1, -1))


def split_samples(dtype, rng):
    yield S(a((5, 4), dtype, rng), 2)
    yield S(a((5, 4), dtype, rng), [1, 4])
    yield S(a((5, 4), dtype, rng), 3, 1)
    yield S(a((5, 4), dtype, rng), [2, 0, 2], dim=-1)
    yield S(a((0, 3), dtype, rng), 0)


def split_with_sizes_samples(dtype, rng):
    yield S(a((5, 4), dtype, rng), [1, 4])
    yield S(a((5, 4), dtype, rng), [3, 1], 1)


def chunk_samples(dtype, rng):
    yield S(a((5, 4), dtype, rng), 3)
    yield S(a((6,), dtype, rng), 4)
    yield S(a((5, 4), dtype, rng), 2, dim=1)
    yield S(a((0, 3), dtype, rng), 2)


def unbind_samples(dtype, rng):
    yield S(a((3, 4), dtype, rng))
    yield S(a((3, 4), dtype, rng), 1)
    yield S(a((2, 0), dtype, rng), -1)


def tensor_split_samples(dtype, rng):
    yield S(a((7, 4), dtype, rng), 3)
    yield S(a((7, 4), dtype, rng), [1, 3, 10])
    yield S(a((7, 4), dtype, rng), [3, 1])
    yield S(a((7, 4), dtype, rng), (-2,), dim=0)
    yield S(a((7, 4), dtype, rng), 2, dim=1)
    yield S(a((7, 4), dtype, rng), nograd(np.array([2, 5])))
    yield S(a((7, 4), dtype, rng), nograd(np.array(3)))


def hsplit_samples(dtype, rng):
    yield S(a((3, 4), dtype, rng), 2)
    yield S(a((4,), dtype, rng), [1, 3])
    yield S(a((2, 4, 3), dtype, rng), [1])


def vsplit_samples(dtype, rng):
    yield S(a((4, 3), dtype, rng), 2)
    yield S(a((4, 3, 2), dtype, rng), [1, 3])


def dsplit_samples(dtype, rng):
    yield S(a((2, 3, 4), dtype, rng), 2)
    yield S(a((2, 3, 4), dtype, rng), [1, 3])


def broadcast_to_samples(dtype, rng):
    yield S(a((3, 1), dtype, rng), (2, 3, 4))
    yield S(a((3,), dtype, rng), (2, -1))
    yield S(a((), dtype, rng), (2, 2))


def expand_as_samples(dtype, rng):
    yield S(a((3, 1), dtype, rng), nograd(a((2, 3, 4), dtype, rng)))


def view_as_real_samples(dtype, rng):
    yield S(a((3, 4), dtype, rng))
    yield S(a((), dtype, rng))


def view_as_complex_samples(dtype, rng):
    yield S(a((3, 2), dtype, rng))
    yield S(a((2, 3, 2), dtype, rng))
    yield S(a((2,), dtype, rng))


def cat_samples(dtype, rng):
    yield S([a((2, 3), dtype, rng), a((4, 3), dtype, rng)])
    yield S([a((2, 3), dtype, rng), a((2, 1), dtype, rng), a((2, 2), dtype, rng)], 1)
    yield S([a((2, 3), dtype, rng), a((2, 3), dtype, rng)], dim=-1)
    yield S([a((2, 3), dtype, rng), a((2, 1), dtype, rng)], axis=1)
    yield S([a((0,), dtype, rng), a((0,), dtype, rng)])
    yield S([a((2, 3), dtype, rng), a((0,), dtype, rng)])     # legacy: empty 1-d inputs are skipped
    yield S([a((0, 3), dtype, rng), a((2, 3), dtype, rng)])
    yield S((a((3,), dtype, rng),))
    yield S([a((2, 3), dtype, rng), make_arg((2, 3), "float64", rng)])   # promotion
    yield S([a((2, 3), dtype, rng), make_arg((1, 3), "int32", rng)])


def stack_samples(dtype, rng):
    yield S([a((2, 3), dtype, rng), a((2, 3), dtype, rng)])
    yield S([a((2, 3), dtype, rng), a((2, 3), dtype, rng)], 2)
    yield S([a((2, 3), dtype, rng), a((2, 3), dtype, rng), a((2, 3), dtype, rng)], dim=-2)
    yield S([a((), dtype, rng), a((), dtype, rng)])
    yield S([a((3,), dtype, rng), make_arg((3,), "float64", rng)])


def hstack_samples(dtype, rng):
    yield S([a((2, 3), dtype, rng)])
    yield S([a((2,), dtype, rng), a((3,), dtype, rng)])
    yield S([a((2, 3), dtype, rng), a((2, 1), dtype, rng)])
    yield S([a((), dtype, rng), a((3,), dtype, rng)])


def vstack_samples(dtype, rng):
    yield S((a((3,), dtype, rng),))
    yield S([a((3,), dtype, rng), a((3,), dtype, rng)])
    yield S([a((2, 3), dtype, rng), a((3,), dtype, rng)])
    yield S([a((), dtype, rng), a((1,), dtype, rng)])


def dstack_samples(dtype, rng):
    yield S([a((3,), dtype, rng)])
    yield S([a((3,), dtype, rng), a((3,), dtype, rng)])
    yield S([a((2, 3), dtype, rng), a((2, 3, 2), dtype, rng)])


def column_stack_samples(dtype, rng):
    yield S([a((3,), dtype, rng), a((3, 2), dtype, rng)])
    yield S([a((3,), dtype, rng), a((3,), dtype, rng)])
    yield S([a((), dtype, rng), a((1, 2), dtype, rng)])


def flip_samples(dtype, rng):
    yield S(a((3, 4), dtype, rng), (0,))
    yield S(a((2, 3, 4), dtype, rng), (0, -1))
    yield S(a((), dtype, rng), ())
    yield S(a((0, 2), dtype, rng), dims=[1])


def flip2_samples(dtype, rng):
    yield S(a((3, 4), dtype, rng))
    yield S(a((2, 3, 4), dtype, rng))


def flipud_samples(dtype, rng):
    yield S(a((3, 4), dtype, rng))
    yield S(a((3,), dtype, rng))


def roll_samples(dtype, rng):
    yield S(a((3, 4), dtype, rng), 1)
    yield S(a((3, 4), dtype, rng), -5, 1)
    yield S(a((3, 4), dtype, rng), (1, 2), (0, 1))
    yield S(a((2, 3, 4), dtype, rng), shifts=(7,), dims=(-1,))
    yield S(a((0,), dtype, rng), 1, 0)


def rot90_samples(dtype, rng):
    yield S(a((3, 4), dtype, rng))
    yield S(a((3, 4), dtype, rng), 2)
    yield S(a((3, 4), dtype, rng), -1)
    yield S(a((3, 4), dtype, rng), 4)
    yield S(a((2, 3, 4), dtype, rng), 1, (2, 0))


def repeat_samples(dtype, rng):
    yield S(a((2, 3), dtype, rng), 2, 1)
    yield S(a((2, 3), dtype, rng), (2, 1, 3))
    yield S(a((2, 3), dtype, rng), 0, 1)
    yield S(a((), dtype, rng), 2)
    yield S(a((3,), dtype, rng), [1, 1])


def tile_samples(dtype, rng):
    yield S(a((2, 3), dtype, rng), (2,))
    yield S(a((2, 3), dtype, rng), (2, 1, 2))
    yield S(a((), dtype, rng), (3,))


def repeat_interleave_samples(dtype, rng):
    yield S(a((2, 3), dtype, rng), 2)
    yield S(a((2, 3), dtype, rng), 2, dim=1)
    yield S(a((2, 3), dtype, rng), nograd(np.array([1, 0, 3])), dim=1)
    yield S(a((2, 3), dtype, rng), nograd(np.array([2])), dim=0)
    yield S(a((2, 3), dtype, rng), nograd(np.array(2)), dim=-1)
    yield S(a((2, 3), dtype, rng), nograd(np.array([2, 1])), dim=0, output_size=3)
    yield S(a((4,), dtype, rng), nograd(np.array([1, 2, 0, 1], dtype=np.int32)))
    yield S(a((), dtype, rng), 3)


def tril_samples(dtype, rng):
    yield S(a((4, 5), dtype, rng))
    yield S(a((4, 5), dtype, rng), 1)
    yield S(a((2, 3, 4), dtype, rng), -1)
    yield S(a((4, 5), dtype, rng), diagonal=-10)
    yield S(a((0, 3), dtype, rng))


def diag_samples(dtype, rng):
    yield S(a((3,), dtype, rng))
    yield S(a((3,), dtype, rng), 2)
    yield S(a((3, 4), dtype, rng))
    yield S(a((3, 4), dtype, rng), -1)
    yield S(a((3, 4), dtype, rng), diagonal=2)


def diag_embed_samples(dtype, rng):
    yield S(a((2, 3), dtype, rng))
    yield S(a((2, 3), dtype, rng), 1, 0, 2)
    yield S(a((3,), dtype, rng), -2)
    yield S(a((2, 3), dtype, rng), offset=0, dim1=-1, dim2=0)


def diagflat_samples(dtype, rng):
    yield S(a((3,), dtype, rng))
    yield S(a((2, 3), dtype, rng), -1)
    yield S(a((), dtype, rng), 1)


def block_diag_samples(dtype, rng):
    yield S(a((2, 3), dtype, rng), a((1, 2), dtype, rng))
    yield S(a((2, 3), dtype, rng), a((2,), dtype, rng), a((), dtype, rng))
    yield S(a((2, 2), dtype, rng), make_arg((1, 1), "float64", rng))


def broadcast_tensors_samples(dtype, rng):
    yield S(a((2, 1), dtype, rng), a((3,), dtype, rng))
    yield S(a((), dtype, rng), a((2, 3), dtype, rng), a((3,), dtype, rng))


def atleast_samples(dtype, rng):
    yield S(a((), dtype, rng))
    yield S(a((3,), dtype, rng))
    yield S(a((2, 3), dtype, rng))
    yield S(a((2, 3, 4), dtype, rng))
    yield S(a((), dtype, rng), a((3,), dtype, rng))
    yield S([a((), dtype, rng), a((2, 3), dtype, rng)])


def ravel_samples(dtype, rng):
    yield S(a((2, 3), dtype, rng))
    yield S(a((), dtype, rng))


def slice_scatter_samples(dtype, rng):
    yield S(a((4, 5), dtype, rng), a((2, 5), dtype, rng), 0, 1, 3)
    yield S(a((4, 5), dtype, rng), a((4, 2), dtype, rng), dim=1, start=0, end=4, step=2)


def select_scatter_samples(dtype, rng):
    yield S(a((4, 5), dtype, rng), a((5,), dtype, rng), 0, 2)
    yield S(a((4, 5), dtype, rng), a((4,), dtype, rng), -1, -1)


def diagonal_scatter_samples(dtype, rng):
    yield S(a((4, 5), dtype, rng), a((4,), dtype, rng))
    yield S(a((4, 5), dtype, rng), a((3,), dtype, rng), 2)
    yield S(a((2, 3, 4), dtype, rng), a((3, 2), dtype, rng), 0, 0, 2)


def fill_diagonal_samples(dtype, rng):
    yield S(a((3, 3), dtype, rng), 2)
    yield S(a((7, 3), dtype, rng), 1, wrap=True)
    yield S(a((7, 3), dtype, rng), 0)
    yield S(a((2, 5), dtype, rng), 1)
    yield S(a((3, 3, 3), dtype, rng), 1)


def channel_shuffle_samples(dtype, rng):
    yield S(a((2, 6, 3), dtype, rng), 3)
    yield S(a((1, 4, 2, 2), dtype, rng), 2)


def copy_samples(dtype, rng):
    yield S(a((2, 3, 4), dtype, rng), (2, 0, 1))


def contiguous_samples(dtype, rng):
    yield S(a((3, 4), dtype, rng))
    yield S(a((2, 3, 4, 5), dtype, rng))


# ---------------------------------------------------------------------------
# error rows: torch and ember must raise the same exception type

def view_errors(rng):
    x = a((2, 3, 4), "float32", rng)
    yield S(x, (0, 1))
    yield S(x, (0, 1, 1))
    yield S(x, (0, 1, 5))
    yield S(x, 1, -1, 0)             # torch.permute wants a tuple (the method takes varargs)


def flip_errors(rng):
    yield S(a((2, 3), "float32", rng), 1)   # torch.flip wants a tuple too
    yield S(a((2, 3), "float32", rng), (0, 0))


def squeeze_errors(rng):
    yield S(a((2, 1), "float32", rng), 2)
    yield S(a((2, 1), "float32", rng), (0, 0))


def narrow_errors(rng):
    x = a((4, 5), "float32", rng)
    yield S(x, 1, 2, 4)
    yield S(x, 1, 6, 0)
    yield S(x, 1, 1, -1)
    yield S(a((), "float32", rng), 0, 0, 1)


def select_errors(rng):
    yield S(a((4, 5), "float32", rng), 1, 5)
    yield S(a((), "float32", rng), 0, 0)


def unfold_errors(rng):
    yield S(a((4, 5), "float32", rng), 1, 6, 1)
    yield S(a((4, 5), "float32", rng), 1, 2, 0)


def diagonal_errors(rng):
    yield S(a((4, 5), "float32", rng), 1, 0, 0)
    yield S(a((4,), "float32", rng))


def flatten_errors(rng):
    yield S(a((2, 3, 4), "float32", rng), 2, 1)
    yield S(a((2, 3, 4), "float32", rng), 3)


def unflatten_errors(rng):
    yield S(a((2, 3), "float32", rng), 1, (2, -1))
    yield S(a((2, 3), "float32", rng), 1, ())


def movedim_errors(rng):
    yield S(a((2, 3), "float32", rng), (0, 1), (1,))
    yield S(a((2, 3), "float32", rng), (0, 0), (1, 0))


def split_errors(rng):
    yield S(a((5, 4), "float32", rng), [1, 3])
    yield S(a((5, 4), "float32", rng), 0)


def chunk_errors(rng):
    yield S(a((5, 4), "float32", rng), 0)


def tensor_split_errors(rng):
    yield S(a((5, 4), "float32", rng), 0)
    yield S(a((), "float32", rng), 2)


def hsplit_errors(rng):
    yield S(a((5, 4), "float32", rng), 3)


def vsplit_errors(rng):
    yield S(a((5,), "float32", rng), 5)


def dsplit_errors(rng):
    yield S(a((5, 4), "float32", rng), 2)


def view_as_real_errors(rng):
    yield S(a((3,), "float32", rng))


def view_as_complex_errors(rng):
    yield S(a((3, 3), "float32", rng))
    yield S(a((3,), "int64", rng))


def cat_errors(rng):
    yield S([a((2, 4), "float32", rng), a((2, 3), "float32", rng)])
    yield S([a((2, 4), "float32", rng), a((2,), "float32", rng)])
    yield S([])
    yield S([a((2, 4), "float32", rng)], dim=2)
    yield S([a((), "float32", rng), a((), "float32", rng)])
    yield S(a((2, 3), "float32", rng))


def stack_errors(rng):
    yield S([a((2, 4), "float32", rng), a((2, 3), "float32", rng)])
    yield S([])
    yield S([a((3,), "float32", rng)], 2)


def empty_list_errors(rng):
    yield S([])
    yield S(a((2, 3), "float32", rng))


def roll_errors(rng):
    yield S(a((3, 4), "float32", rng), (1, 2), (0,))


def rot90_errors(rng):
    yield S(a((3, 4), "float32", rng), 1, (0, 0))
    yield S(a((3, 4), "float32", rng), 1, (0,))
    yield S(a((3,), "float32", rng))


def repeat_errors(rng):
    yield S(a((2, 3), "float32", rng), 2)
    yield S(a((2, 3), "float32", rng), -1, 1)


def repeat_interleave_errors(rng):
    x = a((2, 3), "float32", rng)
    yield S(x, nograd(np.array([1, 2])), dim=1)
    yield S(x, nograd(np.array([1, -2])), dim=0)
    yield S(x, nograd(np.array([[1, 2]])), dim=0)
    yield S(x, -1, dim=0)
    yield S(x, nograd(np.array([1, 2])), dim=0, output_size=4)


def tril_errors(rng):
    yield S(a((3,), "float32", rng))


def diag_errors(rng):
    yield S(a((), "float32", rng))
    yield S(a((2, 2, 2), "float32", rng))


def block_diag_errors(rng):
    yield S(a((2, 2, 2), "float32", rng))


def broadcast_tensors_errors(rng):
    yield S(a((2, 2), "float32", rng), a((3,), "float32", rng))


def t_errors(rng):
    yield S(a((2, 3, 4), "float32", rng))


def mT_errors(rng):
    yield S(a((3,), "float32", rng))


def H_errors(rng):
    yield S(a((3,), "float32", rng))
    yield S(a((2, 3, 4), "float32", rng))


ROWS = [
    OpInfo("permute", permute_samples, dtypes=V, method=True, errors=view_errors),
    OpInfo("transpose", transpose_samples, dtypes=V, method=True),
    OpInfo("swapaxes", transpose_samples, dtypes=VF, method=True),
    OpInfo("swapdims", transpose_samples, dtypes=VF, method=True),
    OpInfo("t", t_samples, dtypes=V, method=True, errors=t_errors),
    OpInfo("adjoint", matrix_samples, dtypes=FLOAT + ("int64",) + ("complex64", "complex128"),
           torch_fn=lambda x: x.mT.conj_physical(), ember_fn=lambda x: x.adjoint()),
    OpInfo("T", t_samples, dtypes=VF, torch_fn=lambda x: x.T, ember_fn=lambda x: x.T),
    OpInfo("T3", permute_samples, dtypes=FLOAT, torch_fn=lambda x, *a: x.T, ember_fn=lambda x, *a: x.T),
    OpInfo("mT", matrix_samples, dtypes=VF, torch_fn=lambda x: x.mT, ember_fn=lambda x: x.mT, errors=mT_errors),
    OpInfo("H", lambda d, r: [S(a((2, 3), d, r))], dtypes=FLOAT + ("complex128",), torch_fn=lambda x: x.mT.conj_physical() if x.ndim == 2 else x.H,
           ember_fn=lambda x: x.H, errors=H_errors),
    OpInfo("mH", matrix_samples, dtypes=FLOAT + ("complex128",), torch_fn=lambda x: x.mT.conj_physical(),
           ember_fn=lambda x: x.mH),
    OpInfo("squeeze", squeeze_samples, dtypes=V, method=True, inplace=True, errors=squeeze_errors),
    OpInfo("unsqueeze", unsqueeze_samples, dtypes=V, method=True, inplace=True),
    OpInfo("narrow", narrow_samples, dtypes=V, method=True, errors=narrow_errors),
    OpInfo("narrow_copy", narrow_samples, dtypes=FLOAT, method=True, grad=False),  # torch's own backward fails here
    OpInfo("select", select_samples, dtypes=V, method=True, errors=select_errors),
    OpInfo("unfold", unfold_samples, dtypes=V, torch_fn=lambda x, *a: x.unfold(*a),
           ember_fn=lambda x, *a: x.unfold(*a), errors=unfold_errors),
    OpInfo("diagonal", diagonal_samples, dtypes=V, method=True, errors=diagonal_errors),
    OpInfo("flatten", flatten_samples, dtypes=V, method=True, errors=flatten_errors),
    OpInfo("unflatten", unflatten_samples, dtypes=VF, method=True, errors=unflatten_errors),
    OpInfo("movedim", movedim_samples, dtypes=VF, method=True, errors=movedim_errors),
    OpInfo("moveaxis", movedim_samples, dtypes=FLOAT, method=True),
    OpInfo("split", split_samples, dtypes=V, method=True, errors=split_errors),
    OpInfo("split_with_sizes", split_with_sizes_samples, dtypes=FLOAT, method=True),
    OpInfo("chunk", chunk_samples, dtypes=V, method=True, errors=chunk_errors),
    OpInfo("unbind", unbind_samples, dtypes=V, method=True),
    OpInfo("tensor_split", tensor_split_samples, dtypes=VF, method=True, errors=tensor_split_errors),
    OpInfo("hsplit", hsplit_samples, dtypes=VF, method=True, errors=hsplit_errors),
    OpInfo("vsplit", vsplit_samples, dtypes=VF, method=True, errors=vsplit_errors),
    OpInfo("dsplit", dsplit_samples, dtypes=VF, method=True, errors=dsplit_errors),
    OpInfo("broadcast_to", broadcast_to_samples, dtypes=V, method=True),
    OpInfo("expand_as", expand_as_samples, dtypes=VF, torch_fn=lambda x, y: x.expand_as(y),
           ember_fn=lambda x, y: x.expand_as(y)),
    OpInfo("view_as_real", view_as_real_samples, dtypes=("complex64", "complex128"), errors=view_as_real_errors,
           noncontiguous=False, grad=False),  # gradients change dtype: checked in tests/test_views.py
    OpInfo("view_as_complex", view_as_complex_samples, dtypes=FLOAT, errors=view_as_complex_errors,
           noncontiguous=False, grad=False),
    OpInfo("cat", cat_samples, dtypes=V, out=True, errors=cat_errors),
    OpInfo("concat", cat_samples, dtypes=FLOAT),
    OpInfo("concatenate", cat_samples, dtypes=FLOAT),
    OpInfo("stack", stack_samples, dtypes=V, out=True, errors=stack_errors),
    OpInfo("hstack", hstack_samples, dtypes=VF, out=True, errors=empty_list_errors),
    OpInfo("vstack", vstack_samples, dtypes=VF, out=True, errors=empty_list_errors),
    OpInfo("row_stack", vstack_samples, dtypes=FLOAT, errors=empty_list_errors),
    OpInfo("dstack", dstack_samples, dtypes=VF, out=True, errors=empty_list_errors),
    OpInfo("column_stack", column_stack_samples, dtypes=VF, out=True, errors=empty_list_errors),
    OpInfo("flip", flip_samples, dtypes=V, method=True, errors=flip_errors),
    OpInfo("fliplr", flip2_samples, dtypes=VF, method=True),
    OpInfo("flipud", flipud_samples, dtypes=VF, method=True),
    OpInfo("roll", roll_samples, dtypes=V, method=True, errors=roll_errors),
    OpInfo("rot90", rot90_samples, dtypes=VF, method=True, errors=rot90_errors),
    OpInfo("repeat", repeat_samples, dtypes=V, torch_fn=lambda x, *s: x.repeat(*s),
           ember_fn=lambda x, *s: x.repeat(*s), errors=repeat_errors),
    OpInfo("tile", tile_samples, dtypes=VF, method=True),
    OpInfo("repeat_interleave", repeat_interleave_samples, dtypes=VF, method=True, errors=repeat_interleave_errors),
    OpInfo("tril", tril_samples, dtypes=V, method=True, inplace=True, out=True, errors=tril_errors),
    OpInfo("triu", tril_samples, dtypes=V, method=True, inplace=True, out=True, errors=tril_errors),
    OpInfo("diag", diag_samples, dtypes=VF, method=True, out=True, errors=diag_errors),
    OpInfo("diag_embed", diag_embed_samples, dtypes=VF, method=True),
    OpInfo("diagflat", diagflat_samples, dtypes=VF, method=True),
    OpInfo("block_diag", block_diag_samples, dtypes=VF, errors=block_diag_errors),
    OpInfo("broadcast_tensors", broadcast_tensors_samples, dtypes=VF, errors=broadcast_tensors_errors),
    OpInfo("atleast_1d", atleast_samples, dtypes=VF),
    OpInfo("atleast_2d", atleast_samples, dtypes=VF),
    OpInfo("atleast_3d", atleast_samples, dtypes=VF),
    OpInfo("ravel", ravel_samples, dtypes=VF, method=True),
    OpInfo("slice_scatter", slice_scatter_samples, dtypes=VF, method=True),
    OpInfo("select_scatter", select_scatter_samples, dtypes=VF, method=True),
    OpInfo("diagonal_scatter", diagonal_scatter_samples, dtypes=VF, method=True),
    OpInfo("fill_diagonal_", fill_diagonal_samples, dtypes=VF, torch_fn=lambda x, v, **k: x.clone().fill_diagonal_(v, **k),
           ember_fn=lambda x, v, **k: x.clone().fill_diagonal_(v, **k)),
    OpInfo("channel_shuffle", channel_shuffle_samples, dtypes=VF),
    OpInfo("native_channel_shuffle", channel_shuffle_samples, dtypes=FLOAT, grad=False),  # torch has no derivative
    OpInfo("unsafe_split", lambda d, r: [x for x in split_samples(d, r) if isinstance(x.args[1], int)], dtypes=FLOAT,
           method=True),
    OpInfo("unsafe_chunk", chunk_samples, dtypes=FLOAT, method=True),
    OpInfo("permute_copy", copy_samples, dtypes=VF, out=True),
    OpInfo("t_copy", t_samples, dtypes=FLOAT),
    OpInfo("diagonal_copy", diagonal_samples, dtypes=FLOAT),
    OpInfo("unfold_copy", unfold_samples, dtypes=FLOAT),
    OpInfo("split_copy", lambda d, r: [x for x in split_samples(d, r) if isinstance(x.args[1], int)], dtypes=FLOAT),
    OpInfo("select_copy", select_samples, dtypes=FLOAT),
    OpInfo("squeeze_copy", squeeze_samples, dtypes=FLOAT),
    OpInfo("unsqueeze_copy", unsqueeze_samples, dtypes=FLOAT),
    OpInfo("transpose_copy", transpose_samples, dtypes=FLOAT),
    OpInfo("expand_copy", broadcast_to_samples, dtypes=FLOAT),
    OpInfo("view_copy", lambda d, r: [S(a((3, 4), d, r), (2, 6)), S(a((3, 4), d, r), (-1,))], dtypes=FLOAT),
    OpInfo("contiguous", contiguous_samples, dtypes=VF, torch_fn=lambda x: x.mT.contiguous(),
           ember_fn=lambda x: x.mT.contiguous()),
]

globals().update(make_tests(ROWS))
