"""python -m ember.utils.collect_env: the environment report to paste into a bug report.

Like torch.utils.collect_env, it prints one ``Name: value`` line per fact:
ember, Python and OS; NumPy and the BLAS/LAPACK it uses (from
numpy.show_config, and threadpoolctl's view of the loaded libraries when it is
installed); thread counts; CuPy, CUDA and the GPUs ember can use.
"""
import os
import platform
import sys

__all__ = ["get_env_info", "get_pretty_env_info", "main"]


def _numpy_info():
    import numpy as np
    info = {"NumPy version": np.__version__}
    try:
        config = np.show_config(mode="dicts")  # NumPy >= 1.26
        for key, label in (("blas", "BLAS"), ("lapack", "LAPACK")):
            lib = config.get("Build Dependencies", {}).get(key, {})
            if lib:
                text = f"{lib.get('name', '?')} {lib.get('version', '')}".strip()
                if lib.get("openblas configuration"):
                    text += f" ({lib['openblas configuration']})"
                info[f"NumPy {label}"] = text
        simd = config.get("SIMD Extensions", {})
        if simd.get("found"):
            info["NumPy SIMD extensions"] = ", ".join(simd["found"])
    except (TypeError, ValueError, AttributeError):  # older NumPy: no mode= argument
        pass
    return info


def _threadpool_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"threadpoolctl": "not installed (pip install threadpoolctl for the BLAS libraries loaded)"}
    lines = [f"{p.get('internal_api')} {p.get('version')} ({p.get('threading_layer', 'n/a')} threading, "
             f"{p.get('num_threads')} threads): {p.get('filepath')}" for p in threadpool_info()]
    return {"Loaded BLAS/OpenMP libraries": ("\n  " + "\n  ".join(lines)) if lines else "none found"}


def _thread_info():
    info = {"CPU count (os.cpu_count)": os.cpu_count()}
    if hasattr(os, "sched_getaffinity"):
        info["CPUs usable by this process"] = len(os.sched_getaffinity(0))
    try:
        import ember
        info["ember.get_num_threads()"] = ember.get_num_threads()
        info["ember.get_num_interop_threads()"] = ember.get_num_interop_threads()
    except (ImportError, AttributeError):
        pass
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if var in os.environ:
            info[var] = os.environ[var]
    return info


def _cuda_info():
    try:
        import cupy
    except ImportError:
        return {"CuPy version": "not installed", "Is CUDA available": False,
                "GPU models and configuration": "none (ember runs on the CPU; pip install 'ember[cuda]' for GPUs)"}
    info = {"CuPy version": cupy.__version__}
    try:
        count = cupy.cuda.runtime.getDeviceCount()
        info["Is CUDA available"] = count > 0
        info["CUDA runtime version"] = cupy.cuda.runtime.runtimeGetVersion()
        info["CUDA driver version"] = cupy.cuda.runtime.driverGetVersion()
        names = []
        for i in range(count):
            name = cupy.cuda.runtime.getDeviceProperties(i)["name"]
            names.append(f"GPU {i}: {name.decode() if isinstance(name, bytes) else name}")
        info["GPU models and configuration"] = "\n  " + "\n  ".join(names) if names else "none"
    except Exception as e:  # no driver, no device: CuPy raises its own runtime errors
        info["Is CUDA available"] = False
        info["GPU models and configuration"] = f"none ({type(e).__name__}: {e})"
    return info


def get_env_info():
    """The report as an ordered dict of name -> value."""
    try:
        from ember.version import __version__ as ember_version
    except ImportError:
        ember_version = "not importable"
    info = {
        "ember version": ember_version,
        "Python version": f"{sys.version.split()[0]} ({platform.python_implementation()}, "
                          f"{platform.architecture()[0]} runtime)",
        "Python platform": platform.platform(),
        "OS": f"{platform.system()} {platform.release()}",
        "CPU": platform.processor() or platform.machine(),
    }
    info.update(_numpy_info())
    info.update(_threadpool_info())
    info.update(_thread_info())
    info.update(_cuda_info())
    from importlib import metadata
    for name in ("ml_dtypes", "scipy", "torch"):  # versions from the installed metadata: nothing is imported
        try:
            info[f"{name} version"] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[f"{name} version"] = "not installed"
    return info


def get_pretty_env_info():
    return "\n".join(f"{key}: {value}" for key, value in get_env_info().items())


def main():
    print("Collecting environment information...")
    print(get_pretty_env_info())


if __name__ == "__main__":
    main()
