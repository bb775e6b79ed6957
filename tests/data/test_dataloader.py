"""DataLoader: batching against torch, worker processes, seeding, faults and clean shutdown.

NOTE [ Data Loader Shutdown ] in ember/utils/data/dataloader.py describes the
protocol these tests check: no worker process and no /dev/shm file outlives an
iterator, whatever way the iteration ends.
"""
import functools
import gc
import operator
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader, TensorDataset

from ._datasets import Dies, InitEnv, Raises, Range, Slow, Squares, WorkerIds, record_init

torch = pytest.importorskip("torch")
T = torch.utils.data


def _shm():
    # only files of this process's loaders: other test sessions may share /dev/shm
    mine = (f"ember_dl_{os.getpid()}_", f"ember_{os.getpid()}_")
    return {f for f in os.listdir("/dev/shm") if f.startswith(mine)} if os.path.isdir("/dev/shm") else set()


def _gone(pid, within=10.0):
    """True once `pid` no longer runs (a zombie counts as gone), waiting up to `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(")")[-1].split()[0] in "ZX":
                    return True
        except (FileNotFoundError, ProcessLookupError):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def no_leaks():
    """Checks that a test leaves no shared-memory file and no DataLoader worker behind."""
    before = _shm()
    yield
    gc.collect()
    leaked = _shm() - before
    assert not leaked, leaked
    from ember.utils.data import dataloader
    assert not [p for p in __import__("multiprocessing").active_children()
                if p._target is dataloader.worker_main]


def _values(loader):
    return [[v.tolist() if isinstance(v, ember.Tensor) else v for v in b] for b in loader]


# ---------------------------------------------------------------------------
# single process, against torch

@pytest.mark.parametrize("kwargs", [{"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None},
                                    {"batch_size": 1}])
def test_batches_match_torch(kwargs):
    ours = DataLoader(Squares(7), **kwargs)
    theirs = T.DataLoader([(torch.tensor([float(i), float(i * i)]), i) for i in range(7)], **kwargs)
    assert len(ours) == len(theirs)
    got, want = list(ours), list(theirs)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert type(a) is type(b)
        for x, y in zip(a, b):
            if isinstance(y, torch.Tensor):
                assert str(x.dtype) == str(y.dtype) and x.tolist() == y.tolist()
            else:
                assert type(x) is type(y) and x == y


def test_batch_sampler_and_collate_fn():
    bs = [[0, 2], [1], [3, 4, 5]]
    loader = DataLoader(Squares(6), batch_sampler=bs, collate_fn=lambda items: [i for _, i in items])
    assert list(loader) == bs and len(loader) == 3
    loader = DataLoader(Squares(6), batch_size=4, sampler=[5, 4, 3, 2, 1, 0])
    assert [b[1].tolist() for b in loader] == [[5, 4, 3, 2], [1, 0]]


def test_shuffle_reproducible():
    ds = TensorDataset(ember.arange(20))
    ember.manual_seed(1)
    a = [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True)]
    ember.manual_seed(1)
    b = [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True)]
    assert a == b and sorted(functools.reduce(operator.iadd, a, [])) == list(range(20)) and a != [list(range(i, i + 5)) for i in (0, 5, 10, 15)]
    g = ember.Generator().manual_seed(5)
    c = [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, generator=g)]
    g = ember.Generator().manual_seed(5)
    assert c == [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, generator=g)]


def test_iterable_dataset_single_process():
    assert [b.tolist() for b in DataLoader(Range(0, 7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Range(0, 7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert [int(b) for b in DataLoader(Range(0, 3), batch_size=None)] == [0, 1, 2]


class _Opaque(T.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return i


class _OpaqueIter(T.IterableDataset):
    def __iter__(self):
        return iter(range(3))


@pytest.mark.parametrize("kwargs", [
    {"num_workers": -1}, {"timeout": -1}, {"prefetch_factor": 2}, {"num_workers": 1, "prefetch_factor": -1},
    {"persistent_workers": True}, {"sampler": [0, 1], "shuffle": True}, {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "drop_last": True}, {"batch_size": None, "drop_last": True},
    {"multiprocessing_context": "spawn"}, {"num_workers": 1, "multiprocessing_context": "nope"},
    {"num_workers": 1, "multiprocessing_context": 3}, {"iterable": True, "shuffle": True},
    {"iterable": True, "sampler": [0]}, {"iterable": True, "batch_sampler": [[0]]},
])
def test_argument_errors_match_torch(kwargs):
    iterable = kwargs.pop("iterable", False)
    with pytest.raises(Exception) as theirs:
        T.DataLoader(_OpaqueIter() if iterable else _Opaque(), **kwargs)
    ours_ds = Range(0, 3) if iterable else Squares(4)
    with pytest.raises(type(theirs.value)) as ours:
        DataLoader(ours_ds, **kwargs)
    clean = str(theirs.value).replace("_OpaqueIter", "Range").replace("_Opaque", "Squares")
    if "sampler=" in clean or "batch_sampler" in clean:
        assert str(ours.value).split("but got")[0] == clean.split("but got")[0]
    else:
        assert str(ours.value) == clean


def test_attributes_frozen_and_len():
    loader = DataLoader(Squares(10), batch_size=4)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 2
    assert len(loader) == 3
    assert len(DataLoader(Range(0, 10), batch_size=4)) == 3 if hasattr(Range, "__len__") else True
    loader = DataLoader(Squares(3), pin_memory=True, pin_memory_device="cpu")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert len(list(loader)) == 3  # accepted; no pinned memory on CPU, as PyTorch without an accelerator
    messages = " ".join(str(w.message) for w in record)
    assert "no accelerator is found" in messages and "pin_memory_device is deprecated" in messages


# ---------------------------------------------------------------------------
# worker processes

@pytest.mark.parametrize("context", [None, "spawn", "forkserver"])
def test_workers_same_batches(context, no_leaks):
    loader = DataLoader(Squares(23), batch_size=4, num_workers=2, multiprocessing_context=context, timeout=60)
    assert _values(loader) == _values(DataLoader(Squares(23), batch_size=4))


def test_batches_travel_by_shared_memory(no_leaks):
    pids = []
    loader = DataLoader(Squares(8), batch_size=4, num_workers=2)
    it = iter(loader)
    x, i = next(it)
    assert x.is_shared() and i.is_shared()
    from ember.multiprocessing._shared import segment_of
    assert segment_of(x._data).path is None  # unlinked once mapped
    pids = [w.pid for w in it._workers]
    rest = list(it)
    assert len(rest) == 1
    assert all(_gone(p) for p in pids)  # end of iteration shuts the workers down
    x.add_(1)  # the mapping stays valid after the file is gone


def test_in_order_false_and_batch_none(no_leaks):
    got = [b[1].tolist() for b in DataLoader(Squares(12), batch_size=3, num_workers=2, in_order=False)]
    assert sorted(functools.reduce(operator.iadd, got, [])) == list(range(12))
    got = [int(b[1]) for b in DataLoader(Squares(5), batch_size=None, num_workers=2)]
    assert got == list(range(5))


def test_iterable_dataset_split_across_workers(no_leaks):
    got = [b.tolist() for b in DataLoader(Range(0, 10), batch_size=2, num_workers=2)]
    assert sorted(functools.reduce(operator.iadd, got, [])) == list(range(10))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "This DataLoader will create 3 worker processes")  # more than cores
        got = [int(b) for b in DataLoader(Range(0, 5), batch_size=None, num_workers=3)]
    assert sorted(got) == list(range(5))


def test_worker_seeding(no_leaks):
    g = ember.Generator().manual_seed(123)
    loader = DataLoader(WorkerIds(), batch_size=None, num_workers=2, generator=g)
    samples = list(loader)
    base_seed = int(ember.empty((), dtype=ember.int64).random_(generator=ember.Generator().manual_seed(123)).item())
    for s in samples:
        assert s["worker"] == s["index"] % 2  # round-robin task assignment
        assert s["seed"] == base_seed + s["worker"]
    first = {s["worker"]: s for s in samples if s["index"] < 2}
    for wid, s in first.items():
        # each worker's first draws come from generators seeded as PyTorch seeds them
        import random
        assert s["py"] == random.Random(base_seed + wid).random()
        assert s["np"] == np.random.RandomState(torch.utils.data._utils.worker._generate_state(base_seed, wid)).rand()
        ember.manual_seed(base_seed + wid)
        assert s["ember"] == float(ember.rand(()))
    # the same generator seed gives the same worker seeds; the global seed drives the default
    g = ember.Generator().manual_seed(123)
    again = list(DataLoader(WorkerIds(), batch_size=None, num_workers=2, generator=g))
    assert [s["np"] for s in again] == [s["np"] for s in samples]
    assert len({s["seed"] for s in samples}) == 2


def test_shuffle_with_workers_reproducible(no_leaks):
    ember.manual_seed(0)
    a = [b[1].tolist() for b in DataLoader(Squares(16), batch_size=4, shuffle=True, num_workers=2)]
    ember.manual_seed(0)
    b = [b[1].tolist() for b in DataLoader(Squares(16), batch_size=4, shuffle=True)]
    assert a == b


def test_worker_init_fn(no_leaks):
    assert list(DataLoader(InitEnv(), batch_size=None, num_workers=2, worker_init_fn=record_init)) == \
        ["0", "1", "0", "1"]


def test_persistent_workers(no_leaks):
    loader = DataLoader(Squares(10), batch_size=3, num_workers=2, persistent_workers=True)
    first = _values(loader)
    pids = [w.pid for w in loader._iterator._workers]
    it = iter(loader)
    next(it)  # a partial epoch: its leftovers must not leak into the next one
    assert _values(loader) == first
    assert [w.pid for w in loader._iterator._workers] == pids and all(w.is_alive() for w in loader._iterator._workers)
    loader_it = DataLoader(Range(0, 6), batch_size=2, num_workers=2, persistent_workers=True)
    assert sorted(functools.reduce(operator.iadd, (b.tolist() for b in loader_it), [])) == list(range(6))
    assert sorted(functools.reduce(operator.iadd, (b.tolist() for b in loader_it), [])) == list(range(6))
    del loader, it, loader_it
    gc.collect()
    assert all(_gone(p) for p in pids)


# ---------------------------------------------------------------------------
# faults

def test_worker_exception_reraised(no_leaks):
    loader = DataLoader(Raises(8, bad=5), batch_size=2, num_workers=2)
    with pytest.raises(ValueError) as e:
        list(loader)
    msg = str(e.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.\nOriginal Traceback (most recent call last)")
    assert "bad sample 5" in msg and "_datasets.py" in msg
    loader = DataLoader({"a": 1}, batch_size=None, num_workers=1)
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        list(loader)


@pytest.mark.parametrize("how", ["exit", "kill", "segv"])
def test_worker_death_detected(how, no_leaks):
    loader = DataLoader(Dies(8, bad=3, how=how), batch_size=1, num_workers=2)
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        for _ in loader:
            pass
    assert time.monotonic() - t0 < 20


def test_timeout(no_leaks):
    loader = DataLoader(Slow(4, 2.0), batch_size=1, num_workers=1, timeout=0.5)
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.5 seconds"):
        next(iter(loader))
    assert time.monotonic() - t0 < 10


def test_early_break_and_gc(no_leaks):
    it = iter(DataLoader(Squares(100), batch_size=2, num_workers=2))
    next(it)
    pids = [w.pid for w in it._workers]
    del it
    gc.collect()
    assert all(_gone(p) for p in pids)


def test_keyboard_interrupt_in_main(no_leaks):
    it = iter(DataLoader(Squares(100), batch_size=2, num_workers=2))
    pids = [w.pid for w in it._workers]
    with pytest.raises(KeyboardInterrupt):
        for i, _ in enumerate(it):
            if i == 2:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(1)  # the handler runs here
    del it
    gc.collect()
    assert all(_gone(p) for p in pids)


@pytest.mark.parametrize("main_waits", [True, False])
def test_killed_main_process_leaves_no_orphans(main_waits):
    # idle workers notice by polling their parent; busy ones when a reply meets a closed pipe
    script = textwrap.dedent(f"""
        import sys, time
        from ember.utils.data import DataLoader
        from tests.data._datasets import Slow
        it = iter(DataLoader(Slow(10**6, 0.01), batch_size=4, num_workers=2))
        next(it)
        print(*[w.pid for w in it._workers], flush=True)
        if {main_waits}:
            time.sleep(60)
        for _ in it:
            pass
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert len(pids) == 2
        time.sleep(0.3)
    finally:
        proc.kill()
        proc.wait()
    assert all(_gone(p, within=15) for p in pids)
    assert not [f for f in os.listdir("/dev/shm") if f.startswith(f"ember_dl_{proc.pid}_")]  # workers cleaned up


def test_ctrl_c_to_process_group_cleans_up():
    # Ctrl-C in a terminal sends SIGINT to the main process and its workers alike
    script = textwrap.dedent("""
        import sys
        from ember.utils.data import DataLoader
        from tests.data._datasets import Slow
        loader = DataLoader(Slow(10000, 0.002), batch_size=4, num_workers=2)
        for i, _ in enumerate(loader):
            if i == 3:
                print(*[w.pid for w in loader_iter._workers], flush=True) if False else None
                print("ready", flush=True)
    """)
    script = textwrap.dedent("""
        import sys, time
        from ember.utils.data import DataLoader
        from tests.data._datasets import Slow
        it = iter(DataLoader(Slow(10000, 0.002), batch_size=4, num_workers=2))
        try:
            next(it)
            print(*[w.pid for w in it._workers], flush=True)
            for _ in it:
                pass
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            raise
    """)
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=root, start_new_session=True)
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "interrupted" in out and "KeyboardInterrupt" in err
    assert len(pids) == 2 and all(_gone(p) for p in pids)
    assert not [f for f in os.listdir("/dev/shm") if f.startswith(f"ember_dl_{proc.pid}_")]


# ---------------------------------------------------------------------------
# shared-memory blocks

def _blocks():
    return {f for f in _shm() if f.startswith(f"ember_dl_{os.getpid()}_")}


def test_blocks_are_reused_once_batches_are_dropped(no_leaks):
    counts = []
    for x, i in DataLoader(Squares(200), batch_size=4, num_workers=2):
        assert i.tolist() == [int(v) for v in x[:, 0].tolist()]
        counts.append(len(_blocks()))
        del x, i
    assert len(counts) == 50 and max(counts) <= 12  # not one file per batch


def test_held_batches_are_never_overwritten(no_leaks):
    kept = []
    for n, (x, i) in enumerate(DataLoader(Squares(60), batch_size=3, num_workers=2)):
        if n % 2 == 0:
            kept.append((x, i))  # every other batch stays alive, the rest go back to the workers
    assert [i.tolist() for _, i in kept] == [[j, j + 1, j + 2] for j in range(0, 60, 6)]
    assert all(x[:, 1].tolist() == [float(j * j) for j in i.tolist()] for x, i in kept)
    assert not _blocks()  # unlinked at shutdown; the mappings stay valid


def test_worker_error_then_iteration_goes_on(no_leaks):
    it = iter(DataLoader(Raises(8, bad=5), batch_size=2, num_workers=2))
    got = []
    while True:
        try:
            got.append(next(it).tolist())
        except ValueError:
            got.append("error")
        except StopIteration:
            break
    assert got == [[0.0, 1.0], [2.0, 3.0], "error", [6.0, 7.0]]  # as PyTorch


def test_unpicklable_batch_is_an_error(no_leaks):
    loader = DataLoader(InitEnv(), batch_size=None, num_workers=1, collate_fn=lambda s: (lambda: s))
    with pytest.raises(Exception, match="in DataLoader worker process 0"):
        next(iter(loader))


def test_non_tensor_batches_and_tensor_views(no_leaks):
    loader = DataLoader(Squares(6), batch_size=2, num_workers=2,
                        collate_fn=lambda s: {"x": ember.stack([a for a, _ in s])[:, 1], "ids": [b for _, b in s],
                                              "same": [s[0][0], s[0][0]]})
    for n, b in enumerate(loader):
        assert b["ids"] == [2 * n, 2 * n + 1] and b["x"].tolist() == [float(i * i) for i in b["ids"]]
        assert b["same"][0] is b["same"][1]  # a tensor repeated in a batch arrives once


def test_empty_and_odd_tensors_travel(no_leaks):
    def collate(samples):
        x = ember.stack([a for a, _ in samples])
        return ember.zeros(0), x.t(), ember.ones(0, 3, dtype=ember.int8), x[:, 0].to(ember.bfloat16), ember.tensor(True)

    for n, (empty, xt, empty2, bf, flag) in enumerate(DataLoader(Squares(6), batch_size=3, num_workers=2,
                                                                 collate_fn=collate)):
        assert empty.shape == (0,) and empty2.shape == (0, 3) and empty2.dtype == ember.int8 and empty is not empty2
        assert xt.tolist() == [[float(i) for i in range(3 * n, 3 * n + 3)], [float(i * i) for i in range(3 * n, 3 * n + 3)]]
        assert bf.dtype == ember.bfloat16 and bf.tolist() == xt[0].tolist() and bool(flag)


def _failing_init(worker_id):
    raise ValueError(f"init {worker_id} failed")


def test_worker_init_fn_error_reraised(no_leaks):
    with pytest.raises(ValueError, match=r"(?s)Caught ValueError in DataLoader worker process 0\..*init 0 failed"):
        next(iter(DataLoader(Squares(8), batch_size=2, num_workers=2, worker_init_fn=_failing_init)))


@pytest.mark.parametrize("persistent", [False, True])
def test_iterable_workers_ending_at_different_times(persistent, no_leaks):
    # each worker reports its end once per queued task; none of that may look like a dead worker
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "This DataLoader will create 3 worker processes")
        loader = DataLoader(Range(0, 23), batch_size=None, num_workers=3, prefetch_factor=4,
                            persistent_workers=persistent)
        for _ in range(3):
            assert sorted(int(b) for b in loader) == list(range(23))
    del loader
