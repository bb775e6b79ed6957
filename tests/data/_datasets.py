"""Datasets used by the DataLoader tests, in an importable module so 'spawn' and 'forkserver' workers can pickle them."""
import os
import random
import signal
import time

import numpy as np

import ember
from ember.utils.data import Dataset, IterableDataset, get_worker_info


class Squares(Dataset):
    """Sample i: (float32 tensor [i, i*i], i).  Holds a tensor, which 'spawn' workers receive by shared memory."""

    def __init__(self, n):
        self.n = n
        self.ids = ember.arange(n)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return ember.tensor([float(i), float(i * i)]), int(self.ids[i])


class WorkerIds(Dataset):
    """Which worker produced each sample, and its seeds."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return {"index": i, "worker": -1 if info is None else info.id, "pid": os.getpid(),
                "seed": -1 if info is None else info.seed,
                "py": random.random(), "np": float(np.random.rand()), "ember": float(ember.rand(()))}


class Raises(Dataset):
    """Raises ValueError on sample `bad`."""

    def __init__(self, n, bad):
        self.n, self.bad = n, bad

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            raise ValueError(f"bad sample {i}")
        return ember.tensor(float(i))


class Dies(Dataset):
    """The worker process dies on sample `bad` (how: 'exit', 'kill' or 'segv')."""

    def __init__(self, n, bad, how="exit"):
        self.n, self.bad, self.how = n, bad, how

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            if self.how == "exit":
                os._exit(3)
            os.kill(os.getpid(), signal.SIGKILL if self.how == "kill" else signal.SIGSEGV)
        return ember.tensor(float(i))


class Slow(Dataset):
    """Sleeps `delay` seconds per sample."""

    def __init__(self, n, delay):
        self.n, self.delay = n, delay

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        time.sleep(self.delay)
        return i


class Range(IterableDataset):
    """range(start, end), split between workers with get_worker_info (PyTorch's documented pattern)."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per_worker = -(-(self.end - self.start) // info.num_workers)
        lo = self.start + info.id * per_worker
        return iter(range(lo, min(lo + per_worker, self.end)))


def record_init(worker_id):
    """worker_init_fn: checks it runs in the worker with its info set."""
    info = get_worker_info()
    assert info is not None and info.id == worker_id
    os.environ["EMBER_TEST_INIT"] = str(worker_id)


class InitEnv(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return os.environ.get("EMBER_TEST_INIT", "unset")
