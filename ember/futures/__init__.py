"""ember.futures: torch.futures.Future, a thread-safe result placeholder with callbacks, plus collect_all/wait_all."""
import threading
import traceback

__all__ = ["Future", "collect_all", "wait_all"]


class Future:
    r"""A placeholder for a result computed asynchronously (torch.futures.Future)."""

    def __init__(self, *, devices=None):
        self._cond = threading.Condition()
        self._done = False
        self._result = None
        self._exception = None
        self._callbacks = []
        self._devices = list(devices) if devices is not None else []

    def done(self):
        """True once a result or exception has been set."""
        return self._done

    def wait(self):
        """Block until completed; return the value or raise the stored exception."""
        with self._cond:
            while not self._done:
                self._cond.wait()
        if self._exception is not None:
            raise self._exception
        return self._result

    def value(self):
        """The value of an already-completed future (raises its exception if it failed)."""
        if not self._done:
            raise RuntimeError("Future.value() called before the Future was completed; call wait() instead")
        if self._exception is not None:
            raise self._exception
        return self._result

    def _complete(self, result, exception):
        with self._cond:
            if self._done:
                raise RuntimeError("Attempting to mark a completed Future as complete again. "
                                   "Note that a Future can only be marked completed once.")
            self._result, self._exception, self._done = result, exception, True
            callbacks, self._callbacks = self._callbacks, []
            self._cond.notify_all()
        for cb in callbacks:
            cb(self)

    def set_result(self, result):
        """Mark the future completed with ``result`` and run pending callbacks."""
        self._complete(result, None)

    def set_exception(self, result):
        """Mark the future failed with the exception ``result``; wait()/value() will raise it."""
        assert isinstance(result, Exception), f"{result} is of type {type(result)}, not an Exception."
        self._complete(None, result)

    def add_done_callback(self, callback):
        """Run ``callback(self)`` when completed (immediately if already done); its errors are logged, not raised."""
        def run(fut):
            try:
                callback(fut)
            except Exception:
                traceback.print_exc()

        with self._cond:
            if not self._done:
                self._callbacks.append(run)
                return
        run(self)

    def then(self, callback):
        """Return a new Future holding ``callback(self)``'s result (or the error it raised)."""
        out = Future(devices=self._devices)

        def run(fut):
            try:
                result = callback(fut)
            except Exception as e:
                tb = "".join(traceback.format_tb(e.__traceback__))
                out.set_exception(RuntimeError(
                    f"Got the following error when running the callback: {type(e).__name__}: {e}\n\nAt:\n{tb}"))
                return
            out.set_result(result)

        with self._cond:
            if not self._done:
                self._callbacks.append(run)
                return out
        run(self)
        return out

    def __repr__(self):
        return f"<ember.Future object at {hex(id(self))}>"


def collect_all(futures):
    r"""A Future completed (with the list of input futures) once all of ``futures`` are completed."""
    futures = list(futures)
    out = Future()
    if not futures:
        out.set_result([])
        return out
    remaining = [len(futures)]
    lock = threading.Lock()

    def one_done(_):
        with lock:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            out.set_result(futures)

    for f in futures:
        f.add_done_callback(one_done)
    return out


def wait_all(futures):
    r"""Wait for all ``futures`` and return their values; raises the first error encountered."""
    return [fut.wait() for fut in collect_all(futures).wait()]
