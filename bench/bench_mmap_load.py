"""ember.load(mmap=True) on a 2 GB checkpoint: resident memory before/after, and load time.

The checkpoint is made from lazily-zeroed NumPy buffers (only the first MB of each tensor is written),
and ember.save streams each storage straight into the zip, so making it never holds 2 GB twice (nor
once). Loading runs in a fresh process so its resident-set numbers are not polluted:

    python bench/bench_mmap_load.py [--gb 2] [--full] [--torch]

--full also loads without mmap (reads everything: RSS grows by the file size); --torch runs
torch.load(mmap=True) on the same file for comparison.
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = textwrap.dedent("""
    import sys, time
    def rss():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    lib, path, use_mmap = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
    if lib == "torch":
        import torch as m
        load = m.load
    else:
        import ember as m
        import ember.nn  # torch's import includes torch.nn: keep the comparison fair
        from ember.serialization import load
    before = rss()
    t0 = time.perf_counter()
    sd = load(path, mmap=use_mmap)
    dt = time.perf_counter() - t0
    after = rss()
    s = float(sd["layer0"][:1000].sum())
    touched = rss()
    print(before, after, touched, dt, len(sd), s)
""")


def _mb(n):
    return f"{n / 2 ** 20:8.1f} MB"


def make_checkpoint(path, gb, n_tensors=32):
    import ember
    from ember.serialization import save
    per = int(gb * 2 ** 30) // n_tensors // 4
    rng = np.random.default_rng(0)
    sd = {}
    for i in range(n_tensors):
        arr = np.zeros(per, np.float32)          # calloc: pages appear only when written
        arr[: 2 ** 18] = rng.standard_normal(2 ** 18)
        sd[f"layer{i}"] = ember.from_numpy(arr)
    t0 = time.perf_counter()
    save(sd, path)
    return time.perf_counter() - t0


def run_child(lib, path, use_mmap):
    out = subprocess.run([sys.executable, "-c", CHILD, lib, path, "1" if use_mmap else "0"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()
    before, after, touched = (int(x) for x in out[:3])
    return before, after, touched, float(out[3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb", type=float, default=2.0)
    ap.add_argument("--full", action="store_true", help="also load without mmap")
    ap.add_argument("--torch", action="store_true", help="also run torch.load(mmap=True)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.pt")
        dt = make_checkpoint(path, args.gb)
        size = os.path.getsize(path)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(f"checkpoint: {_mb(size)} written in {dt:.2f} s (writer peak RSS {_mb(peak)})")
        runs = [("ember", True)] + [("ember", False)] * args.full + [("torch", True)] * args.torch
        for lib, use_mmap in runs:
            before, after, touched, t = run_child(lib, path, use_mmap)
            print(f"{lib:5s} load(mmap={use_mmap!s:5s}): {t:7.3f} s  RSS before {_mb(before)}  after "
                  f"{_mb(after)}  (+{_mb(after - before)}; +{_mb(touched - before)} after reading 1000 values)")


if __name__ == "__main__":
    main()
