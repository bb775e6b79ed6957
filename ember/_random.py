"""Random numbers: torch.Generator, the global seed functions and the random factories and in-place samplers.

A Generator wraps NumPy's PCG64 bit generator.  The same seed always gives the
same stream, but not PyTorch's numbers: only the API, dtypes, shapes and
distributions match.  Samples are drawn on the host and moved to the tensor's
device; in-place samplers write through `apply_inplace`, so they bump the
version counter, work on views and refuse leaves that require grad.
"""
import contextlib
import os
import warnings

import numpy as np

from . import _dtype
from ._creation import _finalize, _host_to, check_tensor_arg, dtype_arg, relayout_like, size_arg, zeros_like
from ._device import canonical
from ._tensor import Tensor, _wrap, register_methods
from .ops.registry import apply_inplace, defop

__all__ = ["Generator", "_sample_dirichlet", "_standard_gamma", "bernoulli", "binomial", "default_generator",
           "get_rng_state", "initial_seed", "manual_seed", "multinomial", "normal", "poisson", "rand", "rand_like",
           "randint", "randint_like", "randn", "randn_like", "randperm", "seed", "set_rng_state"]

_U64 = 1 << 64
_STATE_SIZE = 16 + 16 + 1 + 4 + 8  # PCG64 state, increment, has_uint32, uinteger, initial seed


class Generator:
    """torch.Generator: a seeded stream of random numbers (NumPy PCG64 underneath).

    >>> g = Generator().manual_seed(0)
    >>> rand(2, generator=g).shape
    torch.Size([2])
    """

    def __init__(self, device="cpu"):
        self.device = canonical(device)
        self.manual_seed(67280421310721)  # PyTorch's default seed for new generators

    def manual_seed(self, seed):
        seed = int(seed)
        if not -(1 << 63) <= seed < _U64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed % _U64
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        """Seed from a non-deterministic source and return the seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        st = self._rng.bit_generator.state
        raw = (st["state"]["state"].to_bytes(16, "little") + st["state"]["inc"].to_bytes(16, "little")
               + bytes([st["has_uint32"]]) + int(st["uinteger"]).to_bytes(4, "little")
               + self._seed.to_bytes(8, "little"))
        return _wrap(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not _dtype.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if new_state.numel() != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found the input RNG "
                               f"state size to be {new_state.numel()}")
        raw = new_state._host().reshape(-1).tobytes()
        bitgen = np.random.PCG64()
        bitgen.state = {"bit_generator": "PCG64",
                        "state": {"state": int.from_bytes(raw[:16], "little"),
                                  "inc": int.from_bytes(raw[16:32], "little")},
                        "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:37], "little")}
        self._rng = np.random.Generator(bitgen)
        self._seed = int.from_bytes(raw[37:45], "little")
        return self

    def __getstate__(self):
        return {"device": str(self.device), "state": self.get_state()._data.tobytes()}

    def __setstate__(self, d):
        self.device = canonical(d["device"])
        self.set_state(_wrap(np.frombuffer(d["state"], dtype=np.uint8).copy()))

    def __repr__(self):
        return f"<ember.Generator object at {id(self):#x}>"


default_generator = Generator()
default_generator.seed()  # like PyTorch, the default generator starts from a non-deterministic seed


def manual_seed(seed):
    """Seed the default generator (and return it)."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Restore the default generator's state on exit (CPU only: ember draws everything on the host)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


# ---------------------------------------------------------------------------
# drawing NumPy samples

def _rng(generator):
    if generator is None:
        return default_generator._rng
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a Generator, got {type(generator).__name__}")
    return generator._rng


_DIGITS = {"float16": 11, "bfloat16": 8}  # mantissa bits + 1: rand() draws k/2**digits exactly, as PyTorch


def _not_impl(kernel, d):
    from .ops.registry import _pt_name
    return NotImplementedError(f'"{kernel}" not implemented for \'{_pt_name(d)}\'')


def _uniform01(rng, shape, d, kernel="check_uniform_bounds"):
    """Samples in [0, 1) of ember dtype `d` as a NumPy array."""
    if d.is_complex:
        part = d.to_real()
        return _uniform01(rng, shape, part) + 1j * _uniform01(rng, shape, part).astype(d.np)
    if d in (_dtype.float32, _dtype.float64):
        return rng.random(shape, dtype=d.np)
    if d.name in _DIGITS:
        k = _DIGITS[d.name]
        return (rng.integers(0, 1 << k, size=shape) * (2.0 ** -k)).astype(d.np)
    raise _not_impl(kernel, d)


def _std_normal(rng, shape, d):
    if d.is_complex:
        part = d.to_real()
        # each part has variance 1/2, so the complex sample has variance 1
        return ((_std_normal(rng, shape, part) + 1j * _std_normal(rng, shape, part)) * np.sqrt(0.5)).astype(d.np)
    if d in (_dtype.float32, _dtype.float64):
        return rng.standard_normal(shape, dtype=d.np)
    if d._category == 2:
        return rng.standard_normal(shape, dtype=np.float32)  # half types: callers round once at the end
    raise _not_impl("normal_kernel_cpu", d)


def _factory_dtype(dtype, out, name):
    if dtype is not None:
        return dtype_arg(dtype, name)
    return out.dtype if out is not None else _dtype._default[0]


def _shape(args, size, name):
    if size is not None:
        args = (size,)
    if not args:
        raise TypeError(f"{name}() received an invalid combination of arguments - got (), but expected one of:\n"
                        " * (tuple of ints size, *, torch.Generator generator, Tensor out, torch.dtype dtype, ...)")
    return size_arg(args, name)


def _make(arr, device, requires_grad, out):
    dev = canonical(device)
    return _finalize(_host_to(np.asarray(arr), dev), dev, requires_grad, out)


# ---------------------------------------------------------------------------
# factories

def rand(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    """Uniform samples in [0, 1)."""
    shape = _shape(args, size, "rand")
    return _make(_uniform01(_rng(generator), shape, _factory_dtype(dtype, out, "rand")), device, requires_grad, out)


def randn(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    """Standard normal samples."""
    shape = _shape(args, size, "randn")
    d = _factory_dtype(dtype, out, "randn")
    return _make(_std_normal(_rng(generator), shape, d).astype(d.np, copy=False), device, requires_grad, out)


def _like(input, dtype, device, name):
    check_tensor_arg(input, name)
    return dtype_arg(dtype, name, input.dtype), (input.device if device is None else device)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
              generator=None):
    d, dev = _like(input, dtype, device, "rand_like")
    t = rand(input.shape, dtype=d, device=dev, requires_grad=requires_grad, generator=generator)
    return relayout_like(t, input, memory_format)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
               generator=None):
    d, dev = _like(input, dtype, device, "randn_like")
    t = randn(input.shape, dtype=d, device=dev, requires_grad=requires_grad, generator=generator)
    return relayout_like(t, input, memory_format)


def _dtype_bounds(d):
    """Inclusive integer range representable by `d` (floats: the exactly representable integers)."""
    if d is _dtype.bool:
        return 0, 1
    if d._category == 1:
        info = np.iinfo(d.np)
        return int(info.min), int(info.max)
    digits = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}.get(d.to_real().name, 53)
    return -(1 << digits), 1 << digits


_C_NAMES = {"uint8": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int", "int64": "long int",
            "bool": "bool", "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float",
            "float64": "double"}


def _random_ints(rng, shape, low, high, d):
    """Integers in [low, high) (high=None: up to the dtype's maximum, inclusive) as dtype `d`."""
    lo_b, hi_b = _dtype_bounds(d)
    if high is not None:
        if low >= high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
        name = _C_NAMES.get(d.name, d.name)
        for what, v in (("from", low), ("to - 1", high - 1)):
            if lo_b <= v <= hi_b:
                continue
            if d._category <= 1:
                raise RuntimeError(f"{what} is out of bounds for {name}")
            digits = hi_b.bit_length() - 1  # floats: only integers up to 2**digits are exact
            warnings.warn(f"{what} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations {name} "
                          "can support discrete uniform distribution only within this range. This warning will "
                          "become an error in version 1.7 release, please fix the code in advance", UserWarning,
                          stacklevel=4)
        top = high - 1
    else:
        top = hi_b
    if top >= 1 << 63 or low < -(1 << 63):
        vals = rng.integers(low, top, size=shape, dtype=np.uint64, endpoint=True)
    else:
        vals = rng.integers(low, top, size=shape, dtype=np.int64, endpoint=True)
    return vals.astype(d.np)


def randint(*args, low=None, high=None, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False):
    """randint(high, size) / randint(low, high, size): integers in [low, high), int64 by default."""
    if len(args) == 3:
        low, high, size = args
    elif len(args) == 2:
        if high is None and size is None:
            high, size = args
        else:
            low, high = args
    elif len(args) == 1:
        if size is not None and high is None:
            high = args[0]
        elif high is not None:
            low = args[0]
    if high is None or size is None:
        raise TypeError("randint() received an invalid combination of arguments - got "
                        f"({', '.join(type(a).__name__ for a in args)}), but expected one of:\n"
                        " * (int high, tuple of ints size, *, torch.Generator generator, Tensor out, ...)\n"
                        " * (int low, int high, tuple of ints size, *, torch.Generator generator, Tensor out, ...)")
    if isinstance(size, (int, np.integer)):
        raise TypeError(f"randint(): argument 'size' (position {len(args)}) must be tuple of ints, not int")
    d = _dtype.to_dtype(dtype) if dtype is not None else (out.dtype if out is not None else _dtype.int64)
    vals = _random_ints(_rng(generator), size_arg((size,)), int(low or 0), int(high), d)
    return _make(vals, device, requires_grad, out)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None, generator=None):
    if high is None:
        low, high = 0, low
    d, dev = _like(input, dtype, device, "randint_like")
    t = randint(low, high, tuple(input.shape), dtype=d, device=dev, requires_grad=requires_grad, generator=generator)
    return relayout_like(t, input, memory_format)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """A random permutation of 0..n-1 (int64 by default)."""
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    d = _dtype.to_dtype(dtype) if dtype is not None else (out.dtype if out is not None else _dtype.int64)
    if d is _dtype.bool or d.is_complex:
        raise _not_impl("randperm", d)
    if n and n - 1 > _dtype_bounds(d)[1]:
        raise RuntimeError(f"value cannot be converted to type {d.np.name}_t without overflow")
    return _make(_rng(generator).permutation(n).astype(d.np), device, requires_grad, out)


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """normal(Tensor, Tensor), normal(Tensor, float), normal(float, Tensor) and normal(float, float, size).

    Differentiable in `mean` and `std` (the sample is mean + std * eps)."""
    from .ops.core import _finish, add, mul
    t_mean, t_std = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not t_mean and not t_std:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got ({type(mean).__name__}, "
                            f"{type(std).__name__}), but expected one of:\n * (Tensor mean, Tensor std, *, "
                            "torch.Generator generator = None, Tensor out = None)\n * (float mean, float std, tuple of "
                            "ints size, *, torch.Generator generator = None, Tensor out = None, ...)")
        _check_std(std)
        d = _factory_dtype(dtype, out, "normal")
        eps = _std_normal(_rng(generator), size_arg((size,)), d)
        return _make((eps * std + mean).astype(d.np), device, requires_grad, out)
    ref = mean if t_mean else std
    d = ref.dtype
    if d._category < 2:
        raise _not_impl("normal_kernel_cpu", d)
    if t_std:
        if std._data.size and (std._host() < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    else:
        _check_std(std)
    try:
        shape = np.broadcast_shapes(mean.shape if t_mean else (), std.shape if t_std else ())
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({mean.shape[-1]}) must match the size of tensor b "
                           f"({std.shape[-1]}) at non-singleton dimension 0") from None
    eps = _wrap(_host_to(_std_normal(_rng(generator), shape, d).astype(d.np, copy=False), ref.device), ref.device)
    result = add(mul(eps, std.to(d) if t_std else std), mean.to(d) if t_mean else mean)
    return _finish(result, out)


def _check_std(std):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")


def _fmt(x):
    """Numbers in PyTorch's messages: 2.0 prints as 2."""
    return int(x) if isinstance(x, float) and x.is_integer() else x


def _check_p_tensor(p):
    a = p._host()
    if a.size and not ((a >= 0) & (a <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be "
                           "improved?  If so, please report an enhancement request to PyTorch.)")


def _check_p(p):
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probabilities `input` (or the scalar `p`), in `input`'s dtype."""
    from .ops.core import _finish
    rng = _rng(generator)
    if p is None:
        if input.dtype._category < 2:
            raise _not_impl("bernoulli_tensor_cpu_p_", input.dtype)
        _check_p_tensor(input)
        probs = input._host()
        vals = rng.random(probs.shape) < probs.astype(np.float64)
    else:
        _check_p(p)
        vals = rng.random(tuple(input.shape)) < p
    return _finish(_wrap(_host_to(vals.astype(input._data.dtype), input.device), input.device), out)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices drawn from rows of unnormalised probabilities `input` (1-D or 2-D), int64."""
    from .ops.core import _finish
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if input.dtype._category != 2:
        from .ops.registry import _pt_name
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {_pt_name(input.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n_cat = input.shape[-1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    probs = input._host().astype(np.float64).reshape(-1, n_cat)
    if probs.size and (~np.isfinite(probs) | (probs < 0)).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if probs.shape[0] and (probs.sum(-1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng(generator)
    rows = probs.shape[0]
    if replacement:
        cdf = np.cumsum(probs, axis=-1)
        u = rng.random((rows, num_samples)) * cdf[:, -1:]
        idx = np.stack([np.searchsorted(c, x, side="right") for c, x in zip(cdf, u)]) if rows else \
            np.zeros((0, num_samples), np.int64)
        idx = np.minimum(idx, n_cat - 1)
    else:
        # the exponential-race trick (as PyTorch): the k largest p / Exp(1) are a weighted sample without replacement
        keys = probs / rng.standard_exponential((rows, n_cat))
        idx = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    idx = idx.astype(np.int64).reshape(tuple(input.shape[:-1]) + (num_samples,))
    return _finish(_wrap(_host_to(idx, input.device), input.device), out)


def poisson(input, generator=None):
    if input.dtype._category != 2:
        raise _not_impl("poisson_cpu", input.dtype)
    lam = input._host().astype(np.float64)
    if lam.size and (lam < 0).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    vals = _rng(generator).poisson(lam).astype(input._data.dtype)
    return _wrap(_host_to(vals, input.device), input.device)


def binomial(count, prob, generator=None):
    if count.dtype._category != 2:
        from .ops.registry import _pt_name
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: {_pt_name(count.dtype)}")
    n = count._host().astype(np.int64)
    p = np.clip(prob._host().astype(np.float64), 0, 1)
    vals = _rng(generator).binomial(n, p).astype(count._data.dtype)
    return _wrap(_host_to(vals, count.device), count.device)


def _standard_gamma(input, generator=None):
    """Gamma(alpha=input, 1) samples (used by distributions; not differentiable here)."""
    vals = _rng(generator).standard_gamma(input._host().astype(np.float64)).astype(input._data.dtype)
    return _wrap(_host_to(vals, input.device), input.device)


def _sample_dirichlet(input, generator=None):
    g = _rng(generator).standard_gamma(input._host().astype(np.float64))
    vals = g / g.sum(-1, keepdims=True)
    return _wrap(_host_to(vals.astype(input._data.dtype), input.device), input.device)


# ---------------------------------------------------------------------------
# in-place samplers: Tensor.uniform_, normal_, ... (see NOTE [ In-place ops and autograd ])

def _fill_forward(xp, x, values):
    return values


def _fill_backward(g, out, x, values):
    return zeros_like(g)  # the old value does not reach the output


# one primitive per sampler, so graphs show PyTorch's node names (UniformBackward0, ...)
_FILL_OPS = {name: defop(name + "_", _fill_forward, _fill_backward, inputs=False,
                         node="".join(p.capitalize() for p in name.split("_")) + "Backward0")
             for name in ("uniform", "normal", "bernoulli", "random", "exponential", "geometric", "log_normal",
                          "cauchy")}


def _fill_random(self, name, values):
    """Write sampled `values` (a NumPy array of self's shape) into `self` through its sampler's primitive."""
    if self.device.type == "meta":
        return self
    values = np.asarray(values).astype(self._data.dtype, copy=False)
    return apply_inplace(_FILL_OPS[name], self, values=_host_to(values, self.device))


def _float_only(self, what, kernel=None):
    d = self.dtype
    if d._category < 2:
        if kernel is not None:
            raise _not_impl(kernel, d)
        name = "Long" if d is _dtype.int64 and what == "Exponential" else _C_NAMES.get(d.name, d.name)
        raise RuntimeError(f"{what} distribution is a continuous probability distribution. dtype must be a floating "
                           f"point but you specified {name}")


def uniform_(self, from_=0, to=1, *, generator=None, **kw):
    from_ = kw.pop("from", from_)
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_fmt(from_)} > "
                           f"to={_fmt(to)}")
    u = _uniform01(_rng(generator), tuple(self.shape), self.dtype)
    if self.dtype._category == 2 and self.dtype.itemsize < 4:
        u = u.astype(np.float32)
    return _fill_random(self, "uniform", u * (to - from_) + from_)


def normal_(self, mean=0, std=1, *, generator=None):
    if isinstance(mean, Tensor):
        mean = mean.item()
    if isinstance(std, Tensor):
        std = std.item()
    _check_std(std)
    eps = _std_normal(_rng(generator), tuple(self.shape), self.dtype)
    return _fill_random(self, "normal", eps * std + mean)


def bernoulli_(self, p=0.5, *, generator=None):
    rng = _rng(generator)
    if isinstance(p, Tensor):
        _check_p_tensor(p)
        probs = np.broadcast_to(p._host().astype(np.float64), tuple(self.shape))
        vals = rng.random(probs.shape) < probs
    else:
        _check_p(p)
        vals = rng.random(tuple(self.shape)) < p
    return _fill_random(self, "bernoulli", vals)


def random_(self, *args, generator=None, **kw):
    """random_(from, to): integers in [from, to); random_(to): [0, to); random_(): [0, largest exact integer]."""
    if "from" in kw or "to" in kw:
        from_, to = kw.pop("from", 0), kw.pop("to", None)
    elif len(args) == 1:
        from_, to = 0, args[0]
    else:
        from_, to = (tuple(args) + (0, None)[len(args):])
    vals = _random_ints(_rng(generator), tuple(self.shape), int(from_), None if to is None else int(to), self.dtype)
    return _fill_random(self, "random", vals)


def exponential_(self, lambd=1, *, generator=None):
    _float_only(self, "Exponential")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(lambd)}")
    return _fill_random(self, "exponential", _rng(generator).standard_exponential(tuple(self.shape)) / lambd)


def geometric_(self, p, *, generator=None):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(p)}")
    return _fill_random(self, "geometric", _rng(generator).geometric(p, tuple(self.shape)))


def log_normal_(self, mean=1, std=2, *, generator=None):
    _float_only(self, "", "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(std)}")
    return _fill_random(self, "log_normal", np.exp(_rng(generator).standard_normal(tuple(self.shape)) * std + mean))


def cauchy_(self, median=0, sigma=1, *, generator=None):
    _float_only(self, "Cauchy")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(sigma)}")
    return _fill_random(self, "cauchy", _rng(generator).standard_cauchy(tuple(self.shape)) * sigma + median)


def _uniform_dispatch(self, *args, generator=None, **kw):
    if "from" in kw:
        args = (kw.pop("from"),) + args
    return uniform_(self, *args, generator=generator, **kw)


register_methods({
    "uniform_": _uniform_dispatch, "normal_": normal_, "bernoulli_": bernoulli_, "random_": random_,
    "exponential_": exponential_, "geometric_": geometric_, "log_normal_": log_normal_, "cauchy_": cauchy_,
    "bernoulli": lambda self, p=None, *, generator=None: bernoulli(self, p, generator=generator),
    "multinomial": lambda self, num_samples, replacement=False, *, generator=None:
        multinomial(self, num_samples, replacement, generator=generator),
})

from . import random  # noqa: F401  (ember.random namespace)
