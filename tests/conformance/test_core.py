"""Conformance rows for the core primitives (ember/ops/core.py)."""
import numpy as np

from .opinfo import ALL, FLOAT, HALF, OpInfo, S, make_arg, make_tests


def binary_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), make_arg((3, 4), dtype, rng))
    yield S(make_arg((3, 1), dtype, rng), make_arg((1, 4), dtype, rng))      # broadcasting both ways
    yield S(make_arg((2, 3, 4), dtype, rng), make_arg((4,), dtype, rng))
    yield S(make_arg((), dtype, rng), make_arg((5,), dtype, rng))           # 0-dim with 1-d
    yield S(make_arg((0, 3), dtype, rng), make_arg((3,), dtype, rng))       # empty
    yield S(make_arg((4,), dtype, rng), 2)                                  # Python int scalar
    yield S(make_arg((4,), dtype, rng), 2.5)                                # Python float scalar (promotes ints)


def div_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), make_arg((3, 4), dtype, rng, nonzero=True))
    yield S(make_arg((3, 1), dtype, rng), make_arg((4,), dtype, rng, nonzero=True))
    yield S(make_arg((5,), dtype, rng), 3)


def unary_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng))
    yield S(make_arg((), dtype, rng))
    yield S(make_arg((0, 2), dtype, rng))


def sum_samples(dtype, rng):
    yield S(make_arg((3, 4, 5), dtype, rng))
    yield S(make_arg((3, 4, 5), dtype, rng), 1)
    yield S(make_arg((3, 4, 5), dtype, rng), -1, keepdim=True)
    yield S(make_arg((3, 4, 5), dtype, rng), (0, 2))
    yield S(make_arg((), dtype, rng))
    yield S(make_arg((0, 3), dtype, rng), 0)
    yield S(make_arg((3, 4), dtype, rng), 1, dtype="dtype:float64")


ROWS = [
    OpInfo("add", binary_samples, dtypes=ALL + HALF, method=True, inplace=True, out=True),
    OpInfo("sub", binary_samples, dtypes=FLOAT + ("int64", "int32", "uint8") + HALF, method=True, inplace=True, out=True),
    OpInfo("mul", binary_samples, dtypes=ALL + HALF, method=True, inplace=True, out=True),
    OpInfo("div", div_samples, dtypes=FLOAT + ("int64", "int32") + HALF, method=True, inplace=True, out=True),
    OpInfo("neg", unary_samples, dtypes=FLOAT + ("int64", "int32", "int8") + HALF, method=True, inplace=True),
    OpInfo("clone", unary_samples, dtypes=ALL + HALF, method=True),
    OpInfo("sum", sum_samples, dtypes=ALL + HALF, method=True),
]

globals().update(make_tests(ROWS))
