"""ember.multiprocessing: shared-memory tensors across processes, queues, spawn, and Hogwild training."""
import gc
import os
import time

import pytest

import ember
import ember.multiprocessing as mp

from . import _workers


def _shm():
    # only our own files: other test sessions may share /dev/shm
    mine = f"ember_{os.getpid()}_"
    return {f for f in os.listdir("/dev/shm") if f.startswith(mine)} if os.path.isdir("/dev/shm") else set()


def test_reexports_multiprocessing():
    torch_mp = pytest.importorskip("torch.multiprocessing")
    missing = [n for n in torch_mp.__all__ if not hasattr(mp, n)]
    assert not missing
    for n in ["spawn", "start_processes", "ProcessContext", "ProcessRaisedException", "ProcessExitedException",
              "init_reductions"]:
        assert hasattr(mp, n)
    assert mp.get_all_sharing_strategies() == {"file_descriptor", "file_system"}
    assert mp.get_sharing_strategy() == "file_descriptor"


def test_share_memory_in_place():
    t = ember.arange(12.).reshape(3, 4)
    data_id = id(t._data)
    assert not t.is_shared()
    assert t.share_memory_() is t
    assert t.is_shared() and id(t._data) != data_id
    assert t.tolist() == ember.arange(12.).reshape(3, 4).tolist() and t.stride() == (4, 1)
    assert t[1:, ::2].is_shared()  # views of shared memory are shared
    same = t._data
    t.share_memory_()
    assert t._data is same  # already shared: a no-op
    for s in [ember.tensor(3.5), ember.zeros(0, 3), ember.arange(10)[2:8:2], ember.ones(2, 3).t(),
              ember.ones(2, dtype=ember.bfloat16), ember.tensor([True, False])]:
        ref, stride = s.clone(), s.stride()
        s.share_memory_()
        assert s.is_shared() and s.shape == ref.shape and s.stride() == stride and s.dtype == ref.dtype
        assert ember.equal(s, ref)


def test_module_share_memory():
    model = ember.nn.Linear(3, 2)
    model.share_memory()
    assert all(p.is_shared() for p in model.parameters())
    assert all(isinstance(p, ember.nn.Parameter) for p in model.parameters())


def test_pickled_through_forking_pickler():
    import pickle
    from multiprocessing.reduction import ForkingPickler
    t = ember.arange(4.)
    r = pickle.loads(ForkingPickler.dumps(t))
    assert r.is_shared() and r.tolist() == t.tolist() and not t.is_shared()
    t.share_memory_()
    r = pickle.loads(ForkingPickler.dumps(t))
    r.add_(1)  # an already-shared tensor travels as a handle to the same memory
    assert t.tolist() == [1.0, 2.0, 3.0, 4.0]
    p = ember.nn.Parameter(ember.ones(2))
    q = pickle.loads(ForkingPickler.dumps(p))
    assert type(q) is ember.nn.Parameter and q.requires_grad
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        ForkingPickler.dumps(ember.ones(2, requires_grad=True) * 2)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_process_modifies_shared_tensor(method):
    ctx = mp.get_context(method)
    t = ember.zeros(5).share_memory_()
    p = ctx.Process(target=_workers.add_one, args=(t,))
    p.start()
    p.join(60)
    assert p.exitcode == 0 and t.tolist() == [1.0] * 5


@pytest.mark.parametrize("strategy", ["file_descriptor", "file_system"])
def test_queue_passes_tensors_by_shared_memory(strategy):
    before = _shm()
    old = mp.get_sharing_strategy()
    mp.set_sharing_strategy(strategy)
    try:
        ctx = mp.get_context("fork")
        q, out = ctx.Queue(), ctx.Queue()
        t = ember.ones(4).share_memory_()
        p = ctx.Process(target=_workers.fill_from_queue, args=(q, out))
        p.start()
        q.put(t)
        assert out.get(timeout=60) == (True, 4.0)
        p.join(60)
        assert p.exitcode == 0 and t.tolist() == [7.0] * 4  # the child wrote into our memory
        # a tensor that is not shared is copied into a new segment: the receiver gets the values
        q_in, q_out, received = ctx.Queue(), ctx.Queue(), ctx.Event()
        p = ctx.Process(target=_workers.echo, args=(q_in, q_out, received))
        p.start()
        q_in.put(ember.arange(3.))
        r = q_out.get(timeout=60)
        received.set()
        p.join(60)
        assert r.tolist() == [0.0, 2.0, 4.0] and r.is_shared()
        a, b = ctx.Pipe()
        a.send(ember.full((2,), 3.0))
        assert b.recv().tolist() == [3.0, 3.0]
    finally:
        mp.set_sharing_strategy(old)
    del t, r
    gc.collect()
    assert _shm() - before == set()


def test_set_sharing_strategy_rejects_unknown():
    with pytest.raises(AssertionError):
        mp.set_sharing_strategy("nope")


def test_spawn_success():
    shared = ember.zeros(2).share_memory_()
    mp.spawn(_workers.spawn_ok, args=(shared,), nprocs=2)
    assert shared.tolist() == [10.0, 11.0]
    ctx = mp.start_processes(_workers.spawn_ok, args=(shared,), nprocs=2, join=False, start_method="fork")
    assert isinstance(ctx, mp.ProcessContext) and len(ctx.pids()) == 2
    while not ctx.join(timeout=60):
        pass


def test_spawn_propagates_exception():
    with pytest.raises(mp.ProcessRaisedException) as e:
        mp.start_processes(_workers.spawn_raise, nprocs=2, start_method="fork")
    msg = str(e.value)
    assert "-- Process 1 terminated with the following error:" in msg
    assert "Traceback (most recent call last)" in msg and "ValueError: boom in child 1" in msg
    assert e.value.error_index == 1


@pytest.mark.parametrize("target,match", [(_workers.spawn_exit, "process 0 terminated with exit code 3"),
                                          (_workers.spawn_kill, "process 0 terminated with signal SIGKILL")])
def test_spawn_exited(target, match):
    t0 = time.monotonic()
    with pytest.raises(mp.ProcessExitedException, match=match) as e:
        mp.start_processes(target, nprocs=2, start_method="fork")
    assert e.value.error_index == 0 and time.monotonic() - t0 < 30


def test_spawn_warns_on_other_start_method():
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        mp.spawn(_workers.spawn_ok, args=(ember.zeros(2).share_memory_(),), nprocs=1, start_method="fork")


def test_hogwild():
    ember.manual_seed(0)
    x = ember.randn(256, 4)
    y = x @ ember.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.3
    model = ember.nn.Linear(4, 1)
    model.share_memory()

    def loss():
        with ember.no_grad():
            return float(((model(x) - y) ** 2).mean())

    before = loss()
    # 'spawn' pickles the model: its shared parameters travel as handles to the same memory
    mp.spawn(_workers.hogwild_train, args=(model, x, y, 60), nprocs=2)
    after = loss()
    assert after < 0.1 * before, (before, after)  # both processes trained the one shared model
