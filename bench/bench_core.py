"""Core benchmark: eager overhead of a tiny add, a 16M-element add, a 1024x1024 float32 matmul.

Goals (issue 2): tiny add at most 3x PyTorch's time (with and without requires_grad); 16M add at
least NumPy's speed; matmul at NumPy's speed.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m bench.bench_core
"""
import numpy as np


def _tiny_add(lib, grad=False):
    a = lib.ones(1, requires_grad=grad)
    b = lib.ones(1)
    return lambda: a + b


def _big_add(lib):
    a = lib.from_numpy(np.random.default_rng(0).random(1 << 24, dtype=np.float32))
    b = lib.from_numpy(np.random.default_rng(1).random(1 << 24, dtype=np.float32))
    return lambda: a + b


def _matmul(lib):
    a = lib.from_numpy(np.random.default_rng(0).random((1024, 1024), dtype=np.float32))
    b = lib.from_numpy(np.random.default_rng(1).random((1024, 1024), dtype=np.float32))
    return lambda: a @ b


def _np_big_add():
    a = np.random.default_rng(0).random(1 << 24, dtype=np.float32)
    b = np.random.default_rng(1).random(1 << 24, dtype=np.float32)
    return lambda: a + b


def _np_matmul():
    a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
    b = np.random.default_rng(1).random((1024, 1024), dtype=np.float32)
    return lambda: a @ b


def _np_tiny():
    a = np.ones(1, np.float32)
    b = np.ones(1, np.float32)
    return lambda: a + b


CASES = {
    "add 1 element": _tiny_add,
    "add 1 element, requires_grad": lambda lib: _tiny_add(lib, grad=True),
    "add 16M float32": _big_add,
    "matmul 1024x1024 float32": _matmul,
}
NUMPY = {"add 1 element": _np_tiny, "add 16M float32": _np_big_add, "matmul 1024x1024 float32": _np_matmul}

if __name__ == "__main__":
    from bench._harness import run
    run("bench.bench_core")
