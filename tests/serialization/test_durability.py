"""Crash safety of ember.save to a path, and memory use of load(mmap=True)."""
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import ember
from ember.serialization import load, save

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# saves {'i': i, 'w': full(N, i)} again and again, printing i after each completed save
WRITER = textwrap.dedent("""
    import sys, ember
    from ember.serialization import save
    path, start = sys.argv[1], int(sys.argv[2])
    i = start
    while True:
        save({"i": i, "w": ember.full((2_000_000,), float(i))}, path)
        print(i, flush=True)
        i += 1
""")


def _check_consistent(path):
    obj = load(path)
    i = obj["i"]
    w = obj["w"].numpy()
    assert w.shape == (2_000_000,) and (w == i).all(), "torn checkpoint"
    return i


def _temp_files(folder, name):
    return [f for f in os.listdir(folder) if f != name]


def test_successful_save_leaves_only_the_target(tmp_path):
    p = tmp_path / "ckpt.pt"
    save({"w": ember.ones(3)}, p)
    save({"w": ember.zeros(3)}, p)  # overwrite goes through a temp file + os.replace
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    assert ember.equal(load(p)["w"], ember.zeros(3))
    mask = os.umask(0o022)
    os.umask(mask)
    assert os.stat(p).st_mode & 0o777 == 0o666 & ~mask  # like open(p, "wb"), not mkstemp's 0600


def test_failed_save_keeps_old_file_and_cleans_up(tmp_path):
    p = tmp_path / "ckpt.pt"
    save({"w": ember.ones(3)}, p)

    class Unpicklable:
        def __reduce__(self):
            raise TypeError("nope")

    with pytest.raises(TypeError):
        save({"w": ember.zeros(3), "x": Unpicklable()}, p)
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    assert ember.equal(load(p)["w"], ember.ones(3))


def test_sigkill_mid_save_never_tears(tmp_path):
    p = tmp_path / "ckpt.pt"
    save({"i": -1, "w": ember.full((2_000_000,), -1.0)}, p)
    rng = random.Random(0)
    seen = {-1}
    start = 0
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(p), str(start)], stdout=subprocess.PIPE,
                                cwd=ROOT, text=True)
        try:
            assert proc.stdout.readline().strip() == str(start)  # at least one full save done
            time.sleep(rng.uniform(0.0, 0.15))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        i = _check_consistent(p)
        assert i >= start
        seen.add(i)
        start = i + 100
        # a killed save may leave its temp file (nobody can clean up after SIGKILL), never anything else
        assert all(f.startswith(".ckpt.pt.") and f.endswith(".tmp") for f in _temp_files(tmp_path, "ckpt.pt"))
    assert len(seen) >= 3


MMAP_CHILD = textwrap.dedent("""
    import sys
    def rss():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    import ember
    from ember.serialization import load
    before = rss()
    sd = load(sys.argv[1], mmap=True)
    total = sum(t.numel() for t in sd.values())
    s = float(sd["layer0"][:1000].sum())  # touch a little of it
    print(rss() - before, total, s)
""")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_mmap_load_does_not_read_storages(tmp_path):
    p = tmp_path / "big.pt"
    n = 25_000_000  # 8 x 25M float32... in 4 tensors: ~200 MB
    # np.zeros pages are only materialised when written: the file is made without holding 200 MB resident
    sd = {f"layer{i}": ember.from_numpy(np.zeros(n // 2, np.float32)) for i in range(4)}
    sd["layer0"][:1000] = 1.0
    save(sd, p)
    del sd
    size = os.path.getsize(p)
    assert size > 190e6
    out = subprocess.run([sys.executable, "-c", MMAP_CHILD, str(p)], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout.split()
    growth, total, s = int(out[0]), int(out[1]), float(out[2])
    assert total == 4 * (n // 2) and s == 1000.0
    assert growth < size / 10, f"RSS grew {growth / 1e6:.0f} MB loading a {size / 1e6:.0f} MB file with mmap"
