"""ember.cuda: torch.cuda's device management, answered honestly through CuPy.

With CuPy and a GPU (see ember.backends.cuda) the calls act on the GPU.
Without them every call answers as a CPU-only PyTorch build does: queries
report nothing (is_available() is False, device_count() 0, memory 0), seeding
and cache calls are no-ops, and anything that needs a device raises
``AssertionError: Torch not compiled with CUDA enabled``.  ``torch.cuda.amp``
is the deprecated CUDA spelling of ember.amp (loaded on first use).
"""
import collections

from .._device import device as _device
from ..backends import cuda as _backend

__all__ = [
    "is_available", "device_count", "current_device", "set_device", "synchronize", "init", "is_initialized",
    "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed", "get_rng_state", "get_rng_state_all",
    "set_rng_state", "set_rng_state_all", "empty_cache", "is_bf16_supported", "is_tf32_supported",
    "get_device_name", "get_device_properties", "get_device_capability", "get_arch_list", "get_gencode_flags",
    "memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved", "memory_stats",
    "reset_peak_memory_stats", "reset_max_memory_allocated", "mem_get_info", "ipc_collect", "device", "device_of",
    "Stream", "Event", "StreamContext", "stream", "current_stream", "default_stream",
]

_initialized = [False]
_seed = [None]


def is_available():
    """Whether a CUDA GPU is usable (needs CuPy and a GPU)."""
    return _backend.is_available()


def device_count():
    """The number of usable GPUs (0 without CuPy or a GPU)."""
    return _backend.device_count()


def _cupy():
    _backend.check_available()  # raises AssertionError: Torch not compiled with CUDA enabled
    return _backend.xp()


def init():
    """Initialise CUDA (raises without a GPU, as PyTorch's CPU build does)."""
    _cupy()
    _initialized[0] = True


def is_initialized():
    return _initialized[0]


def _get_device_index(dev, optional=False):
    """A device argument (int, 'cuda:1', device, None) as an index, as torch.cuda._utils._get_device_index."""
    if isinstance(dev, str):
        dev = _device(dev)
    if isinstance(dev, _device):
        if dev.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {dev}")
        dev = dev.index
    if dev is None:
        if optional:
            return current_device()
        raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{dev}")
    return int(dev)


def current_device():
    """The index of the selected GPU."""
    return _backend.current_device()


def set_device(device):
    """Select the GPU used by ``'cuda'`` (a negative index is a no-op, as in PyTorch)."""
    index = _get_device_index(device)
    if index >= 0:
        _cupy().cuda.runtime.setDevice(index)


def synchronize(device=None):
    """Wait for all work on a GPU to finish."""
    cp = _cupy()
    with cp.cuda.Device(_get_device_index(device, optional=True)):
        cp.cuda.runtime.deviceSynchronize()


# ---------------------------------------------------------------------------
# random state
#
# ember draws random numbers for every device on the host, from ember's default
# generator (seeded by ember.manual_seed), so CUDA has no stream of its own: these
# keep PyTorch's signatures, remember the seed, and without a GPU they are no-ops
# (PyTorch queues them until CUDA starts) or raise where PyTorch's CPU build raises.


def manual_seed(seed):
    """Record the seed of the current GPU (a no-op without CUDA); see the note above."""
    seed = int(seed)
    if is_available():
        _seed[0] = seed


def manual_seed_all(seed):
    manual_seed(seed)


def seed():
    if is_available():
        import random
        manual_seed(random.getrandbits(63))


def seed_all():
    seed()


def initial_seed():
    _cupy()
    return _seed[0]


def get_rng_state(device="cuda"):
    """The state of the generator CUDA tensors draw from (ember's default generator)."""
    _cupy()
    from .. import _random
    return _random.get_rng_state()


def get_rng_state_all():
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state(new_state, device="cuda"):
    if is_available():
        from .. import _random
        _random.set_rng_state(new_state)


def set_rng_state_all(new_states):
    for i, state in enumerate(new_states):
        set_rng_state(state, i)


# ---------------------------------------------------------------------------
# device properties


def is_bf16_supported(including_emulation=True):
    """bfloat16 support: compute capability 8.0 or newer (or emulated); False without CUDA."""
    if not is_available():
        return False
    return including_emulation or get_device_capability()[0] >= 8


def is_tf32_supported():
    return is_available() and get_device_capability()[0] >= 8


class _CudaDeviceProperties:
    """What torch.cuda.get_device_properties returns, read from CUDA's device properties."""

    def __init__(self, props):
        name = props["name"]
        self.name = name.decode() if isinstance(name, bytes) else name
        self.major, self.minor = props["major"], props["minor"]
        self.total_memory = props["totalGlobalMem"]
        self.multi_processor_count = props["multiProcessorCount"]
        self.is_integrated = bool(props.get("integrated", 0))
        self.is_multi_gpu_board = bool(props.get("isMultiGpuBoard", 0))

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count})")


def get_device_properties(device=None):
    cp = _cupy()
    return _CudaDeviceProperties(cp.cuda.runtime.getDeviceProperties(_get_device_index(device, optional=True)))


def get_device_name(device=None):
    return get_device_properties(device).name


def get_device_capability(device=None):
    props = get_device_properties(device)
    return props.major, props.minor


def get_arch_list():
    return [] if not is_available() else [f"sm_{''.join(map(str, get_device_capability()))}"]


def get_gencode_flags():
    return ""


# ---------------------------------------------------------------------------
# memory (CuPy's default memory pool)


def _pool():
    return _backend.xp().get_default_memory_pool() if is_available() else None


def memory_allocated(device=None):
    """Bytes held by tensors (CuPy's pool: used bytes); 0 without CUDA."""
    pool = _pool()
    return 0 if pool is None else pool.used_bytes()


def max_memory_allocated(device=None):
    """CuPy keeps no peak, so this is the current value of memory_allocated."""
    return memory_allocated(device)


def memory_reserved(device=None):
    """Bytes reserved by the caching allocator (CuPy's pool: total bytes); 0 without CUDA."""
    pool = _pool()
    return 0 if pool is None else pool.total_bytes()


def max_memory_reserved(device=None):
    return memory_reserved(device)


def memory_stats(device=None):
    if not is_available():
        return collections.OrderedDict()
    return collections.OrderedDict([("allocated_bytes.all.current", memory_allocated()),
                                    ("reserved_bytes.all.current", memory_reserved())])


def reset_peak_memory_stats(device=None):
    _cupy()


def reset_max_memory_allocated(device=None):
    reset_peak_memory_stats(device)


def mem_get_info(device=None):
    """(free, total) bytes of a GPU."""
    cp = _cupy()
    with cp.cuda.Device(_get_device_index(device, optional=True)):
        return cp.cuda.runtime.memGetInfo()


def empty_cache():
    """Release the cached memory blocks (a no-op without CUDA)."""
    pool = _pool()
    if pool is not None:
        pool.free_all_blocks()


def ipc_collect():
    _cupy()


# ---------------------------------------------------------------------------
# device and stream contexts


class device:
    """Context manager that selects a GPU (a negative index or None leaves the selection alone)."""

    def __init__(self, device):
        self.idx = _get_device_index(device, optional=True) if device is not None else -1
        self.prev_idx = -1

    def __enter__(self):
        if self.idx >= 0:
            if not is_available():
                raise RuntimeError("PyTorch was compiled without CUDA support")
            self.prev_idx = current_device()
            set_device(self.idx)

    def __exit__(self, *exc):
        if self.prev_idx >= 0 and self.prev_idx != self.idx:
            set_device(self.prev_idx)
        return False


class device_of(device):
    """Context manager selecting the GPU of a tensor (nothing for CPU tensors)."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_cuda else -1)


class Stream:
    """A CUDA stream (CuPy's)."""

    def __init__(self, device=None, priority=0, **kwargs):
        if not is_available():
            raise RuntimeError("torch.cuda.Stream requires CUDA support")
        self._stream = _backend.xp().cuda.Stream(non_blocking=False)

    def synchronize(self):
        self._stream.synchronize()

    def query(self):
        return self._stream.done

    def wait_stream(self, other):
        self._stream.wait_event(other._stream.record())

    def record_event(self, event=None):
        event = event or Event()
        event.record(self)
        return event

    def __eq__(self, other):
        return isinstance(other, Stream) and self._stream == other._stream

    def __hash__(self):
        return hash(self._stream)


class Event:
    """A CUDA event (CuPy's), e.g. for timing with elapsed_time."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        if not is_available():
            raise RuntimeError("Tried to instantiate dummy base class Event")
        self._event = _backend.xp().cuda.Event(block=blocking, disable_timing=not enable_timing,
                                               interprocess=interprocess)

    def record(self, stream=None):
        self._event.record(None if stream is None else stream._stream)

    def synchronize(self):
        self._event.synchronize()

    def query(self):
        return self._event.done

    def wait(self, stream=None):
        (stream or current_stream())._stream.wait_event(self._event)

    def elapsed_time(self, end_event):
        """Milliseconds between this event and `end_event`."""
        return _backend.xp().cuda.get_elapsed_time(self._event, end_event._event)


def _wrap_stream(cupy_stream):
    s = Stream.__new__(Stream)
    s._stream = cupy_stream
    return s


def current_stream(device=None):
    return _wrap_stream(_cupy().cuda.get_current_stream())


def default_stream(device=None):
    cp = _cupy()
    return _wrap_stream(cp.cuda.Stream.null)


class StreamContext:
    """Context manager that makes `stream` current (None: no change)."""

    def __init__(self, stream):
        self.stream = stream
        self._ctx = None

    def __enter__(self):
        if self.stream is not None:
            self._ctx = self.stream._stream
            self._ctx.__enter__()

    def __exit__(self, *exc):
        if self._ctx is not None:
            self._ctx.__exit__(*exc)
        return False


def stream(stream):
    return StreamContext(stream)


def __getattr__(name):
    if name == "amp":
        import importlib
        return importlib.import_module(".amp", __name__)
    raise AttributeError(f"module 'torch.cuda' has no attribute '{name}'")
