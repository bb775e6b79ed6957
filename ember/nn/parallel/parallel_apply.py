"""Run replicas on their inputs concurrently, one thread per device."""
import threading
import traceback

from ..._tensor import Tensor
from ...autograd import grad_mode


def _find_device(obj):
    if isinstance(obj, Tensor):
        return obj.device
    if isinstance(obj, (list, tuple)):
        return next((d for d in map(_find_device, obj) if d is not None), None)
    if isinstance(obj, dict):
        return next((d for d in map(_find_device, obj.values()) if d is not None), None)
    return None


def parallel_apply(modules, inputs, kwargs_tup=None, devices=None):
    """Call `modules[i](*inputs[i], **kwargs_tup[i])` in parallel threads and return the outputs in order.

    Grad mode is thread-local, so each worker thread runs under the caller's. An exception in
    any replica is re-raised here, naming the replica and its device.
    """
    if len(modules) != len(inputs):
        raise AssertionError(f"The number of modules {len(modules)} is not equal to the number of inputs {len(inputs)}")
    kwargs_tup = list(kwargs_tup) if kwargs_tup is not None else [{}] * len(modules)
    devices = list(devices) if devices is not None else [None] * len(modules)
    if not (len(kwargs_tup) == len(devices) == len(modules)):
        raise AssertionError("modules, inputs, kwargs_tup and devices must have the same length")
    grad_enabled = grad_mode.is_grad_enabled()
    results = [None] * len(modules)

    def work(i):
        args = inputs[i] if isinstance(inputs[i], (list, tuple)) else (inputs[i],)
        device = devices[i] if devices[i] is not None else _find_device(args)
        try:
            with grad_mode.set_grad_enabled(grad_enabled):
                results[i] = ("ok", modules[i](*args, **kwargs_tup[i]))
        except Exception as e:  # noqa: BLE001  (carried to the caller's thread with its traceback)
            message = f"Caught {type(e).__name__} in replica {i} on device {device}.\nOriginal {traceback.format_exc()}"
            results[i] = ("error", e, message)

    if len(modules) == 1:
        work(0)
    else:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(modules))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    outputs = []
    for i, r in enumerate(results):
        if r[0] == "error":
            try:
                wrapped = type(r[1])(r[2])
            except Exception:  # noqa: BLE001  (an exception type whose constructor wants other arguments)
                wrapped = RuntimeError(r[2])
            raise wrapped from r[1]
        outputs.append(r[1])
    return outputs
