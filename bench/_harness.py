"""Side-by-side benchmark harness: each framework runs in its own process (their BLAS/OpenMP pools fight).

A benchmark module defines `CASES = {name: setup}` where `setup(torch_like)` returns a zero-argument
callable to time; `run(module)` times each case under ember and PyTorch in separate processes and prints
medians and the ember/PyTorch ratio. Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE in the command that
runs a benchmark (never in tests or CI), e.g.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m bench.bench_core

On a busy machine, compare single-threaded (both frameworks):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 BENCH_THREADS=1 python -m bench.bench_core
"""
import importlib
import json
import statistics
import subprocess
import sys
import time


def time_callable(fn, min_time=0.2, repeats=7):
    """Median seconds per call over `repeats` rounds, each at least `min_time` long."""
    fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time / 4:
            break
        n *= 4
    per_round = max(1, int(n * (min_time / max(dt, 1e-9))))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(per_round):
            fn()
        samples.append((time.perf_counter() - t0) / per_round)
    return statistics.median(samples)


def _child(module_name, framework):
    mod = importlib.import_module(module_name)
    if framework == "torch":
        import os

        import torch as lib
        # BENCH_THREADS=1 (with OPENBLAS_NUM_THREADS=1 for NumPy) compares single-threaded, which is what a
        # busy 2-core machine can measure fairly; the default lets both use the 2 cores
        lib.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))
    elif framework == "numpy":
        lib = None
    else:
        import ember as lib
    results = {}
    for name, setup in mod.CASES.items():
        if framework == "numpy":
            setup = getattr(mod, "NUMPY", {}).get(name)
            if setup is None:
                continue
            fn = setup()
        else:
            fn = setup(lib)
        results[name] = time_callable(fn)
    print(json.dumps(results))


def _fmt(sec):
    if sec < 1e-3:
        return f"{sec * 1e6:8.2f} us"
    return f"{sec * 1e3:8.2f} ms"


def run(module_name):
    """Run every case of `module_name` under ember, PyTorch (and NumPy where given) and print ratios."""
    frameworks = ["ember", "torch", "numpy"]
    results = {}
    for fw in frameworks:
        proc = subprocess.run([sys.executable, "-c", f"import sys; sys.path[:0] = {sys.path[:2]!r}; "
                               f"from bench._harness import _child; _child({module_name!r}, {fw!r})"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{fw}: failed\n{proc.stderr[-2000:]}")
            results[fw] = {}
            continue
        results[fw] = json.loads(proc.stdout.strip().splitlines()[-1])
    mod = importlib.import_module(module_name)
    print(f"{'case':40s} {'ember':>11s} {'torch':>11s} {'numpy':>11s} {'ember/torch':>12s} {'ember/numpy':>12s}")
    for name in mod.CASES:
        e = results["ember"].get(name)
        t = results["torch"].get(name)
        n = results["numpy"].get(name)
        cols = [_fmt(x) if x else " " * 11 for x in (e, t, n)]
        r1 = f"{e / t:11.2f}x" if e and t else " " * 12
        r2 = f"{e / n:11.2f}x" if e and n else " " * 12
        print(f"{name:40s} {cols[0]:>11s} {cols[1]:>11s} {cols[2]:>11s} {r1} {r2}")
    return results
