"""ember.futures: Future, collect_all, wait_all against torch.futures."""
import threading
import time

import numpy as np
import pytest

import ember
import ember.futures as futures
from ember.futures import Future

try:
    import torch
except ImportError:
    torch = None


# --- futures ---------------------------------------------------------------------------------

def test_future_result_and_callbacks():
    f = Future()
    assert not f.done()
    seen = []
    f.add_done_callback(lambda fut: seen.append(fut.value()))
    g = f.then(lambda fut: fut.wait() + 1)
    f.set_result(3)
    assert f.done() and f.wait() == 3 and f.value() == 3 and seen == [3]
    assert g.wait() == 4
    assert f.then(lambda fut: fut.value() * 10).value() == 30  # already done: runs immediately
    with pytest.raises(RuntimeError, match="completed once"):
        f.set_result(4)


def test_future_exceptions():
    f = Future()
    f.set_exception(ValueError("boom"))
    assert f.done()
    with pytest.raises(ValueError, match="boom"):
        f.wait()
    with pytest.raises(ValueError, match="boom"):
        f.value()
    h = Future()
    bad = h.then(lambda fut: 1 / 0)
    h.set_result(1)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        bad.wait()
    h2 = Future()
    h2.add_done_callback(lambda fut: 1 / 0)  # errors in done-callbacks are not raised
    h2.set_result(1)
    with pytest.raises(AssertionError):
        Future().set_exception("not an exception")


def test_future_wait_across_threads():
    f = Future()
    threading.Thread(target=lambda: (time.sleep(0.05), f.set_result(ember.ones(2)))).start()
    np.testing.assert_array_equal(f.wait().numpy(), [1., 1.])


def test_collect_all_and_wait_all():
    fs = [Future() for _ in range(3)]
    all_ = futures.collect_all(fs)
    for i, f in enumerate(fs):
        assert not all_.done()
        f.set_result(i)
    assert all_.wait() == fs
    assert futures.wait_all(fs) == [0, 1, 2]
    assert futures.collect_all([]).wait() == []
    bad = Future()
    bad.set_exception(ValueError("x"))
    with pytest.raises(ValueError):
        futures.wait_all([fs[0], bad])


@pytest.mark.torch
def test_futures_api_names_match_torch():
    import inspect
    assert futures.__all__ == torch.futures.__all__
    for name in ["wait", "value", "then", "add_done_callback", "set_result", "set_exception", "done"]:
        assert list(inspect.signature(getattr(Future, name)).parameters) == list(
            inspect.signature(getattr(torch.futures.Future, name)).parameters), name
