"""ember.run / ember.compat: PyTorch scripts run unchanged on ember (each script in a fresh interpreter)."""
import os
import subprocess
import sys
import textwrap

import pytest

import ember
import ember.compat


def run(tmp_path, source, *args, runner=("-m", "ember.run"), cwd=None, name="script.py"):
    script = tmp_path / name
    script.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, *runner, str(script.name), *args], cwd=cwd or tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_argv_name_file_relative_paths_and_exit_code(tmp_path):
    (tmp_path / "data.txt").write_text("hello\n")
    (tmp_path / "helper.py").write_text("VALUE = 42\n")
    r = run(tmp_path, """
        import sys, os
        import torch
        import helper  # the script's directory is sys.path[0]
        print(sys.argv)
        print(__name__, os.path.basename(__file__), os.path.isabs(__file__))
        print(open("data.txt").read().strip(), helper.VALUE)
        if __name__ == "__main__":
            sys.exit(7)
    """, "--flag", "x")
    assert r.returncode == 7, r.stderr
    assert r.stdout.splitlines() == ["['script.py', '--flag', 'x']", "__main__ script.py True", "hello 42"]


def test_imports_are_ember_modules(tmp_path):
    r = run(tmp_path, """
        import torch, ember
        import torch.nn.functional as F
        from torch import nn
        import torch.nn as tnn
        import torch.utils.data
        from torch.utils.data import DataLoader
        import torchvision.transforms
        from torchvision import transforms
        import torchvision, torchaudio, torchtext
        assert torch is ember and tnn is nn is ember.nn and F is ember.nn.functional
        assert DataLoader is ember.utils.data.DataLoader
        assert torchvision is ember.vision and torchvision.transforms is transforms is ember.vision.transforms
        assert torchaudio is ember.audio and torchtext is ember.text
        x = F.relu(nn.Linear(3, 2)(torch.ones(1, 3)))
        print(type(x).__module__, torch.utils.data.TensorDataset.__name__)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["ember._tensor", "TensorDataset"]


def test_traceback_is_the_scripts_own(tmp_path):
    r = run(tmp_path, """
        import torch
        def f():
            raise ValueError("boom")
        f()
    """)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert f'File "{tmp_path / "script.py"}", line 5, in <module>' in lines[1]
    assert "runpy" not in r.stderr and "ember/run.py" not in r.stderr
    assert lines[-1] == "ValueError: boom"


def test_missing_names_say_which_torch_name(tmp_path):
    r = run(tmp_path, """
        import torch
        for expr in ("torch.no_such_fn", "torch.nn.no_such_layer", "torch.utils.no_such_thing"):
            try:
                eval(expr)
            except AttributeError as e:
                print(e)
        try:
            import torch.no_such_module
        except ModuleNotFoundError as e:
            print(e, e.name)
        from torch.nn import NoSuchLayer
    """)
    assert r.returncode == 1
    out = r.stdout.splitlines()
    assert out[0] == "module 'torch' has no attribute 'no_such_fn' (ember does not provide torch.no_such_fn yet)"
    assert out[1] == ("module 'torch.nn' has no attribute 'no_such_layer' "
                      "(ember does not provide torch.nn.no_such_layer yet)")
    assert "no_such_thing" in out[2]
    assert out[3] == "No module named 'torch.no_such_module' (ember does not provide it yet) torch.no_such_module"
    assert "ImportError: cannot import name 'NoSuchLayer'" in r.stderr
    assert "ember does not provide torch.nn.NoSuchLayer yet" in r.stderr


def test_ember_console_script_and_dash_m(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "tool.py").write_text("import sys, torch\nprint(torch.__name__, sys.argv[1:])\n")
    r = subprocess.run([sys.executable, "-m", "ember.run", "-m", "pkg.tool", "a"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ember ['a']"
    r = run(tmp_path, "import torch; print(torch.__name__)", runner=("-m", "ember", "run"))
    assert r.returncode == 0 and r.stdout.strip() == "ember", r.stderr
    r = subprocess.run([sys.executable, "-m", "ember.run", "missing.py"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 2 and "can't open file" in r.stderr


def test_spawn_children_and_dataloader_workers_get_ember(tmp_path):
    r = run(tmp_path, """
        import multiprocessing as mp
        import torch

        class Squares(torch.utils.data.Dataset):
            def __len__(self):
                return 6
            def __getitem__(self, i):
                return torch.tensor([float(i * i)])

        def child(q):
            import torch, ember
            q.put((torch is ember, torch.ones(3).sum().item()))

        if __name__ == "__main__":
            for method in ("spawn", "forkserver"):
                ctx = mp.get_context(method)
                q = ctx.Queue()
                p = ctx.Process(target=child, args=(q,))
                p.start()
                print(method, q.get())
                p.join()
                print(p.exitcode)
            loader = torch.utils.data.DataLoader(Squares(), batch_size=3, num_workers=2,
                                                 multiprocessing_context="spawn")
            print([b.view(-1).tolist() for b in loader])
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["spawn (True, 3.0)", "0", "forkserver (True, 3.0)", "0",
                                     "[[0.0, 1.0, 4.0], [9.0, 16.0, 25.0]]"]


def test_device_boilerplates(tmp_path):
    r = run(tmp_path, """
        import torch
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        acc = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
        mps = torch.device("mps") if torch.backends.mps.is_available() else torch.device("cpu")
        torch.backends.cudnn.benchmark = True
        print(device, acc, mps, torch.cuda.device_count(), torch.version.cuda, torch.backends.mps.is_built())
        print(torch.ones(2, device=device).device)
    """)
    assert r.returncode == 0, r.stderr
    try:
        import cupy  # noqa: F401
        return  # a GPU machine answers differently
    except ImportError:
        pass
    assert r.stdout.splitlines() == ["cpu cpu cpu 0 None False", "cpu"]


def test_install_uninstall_in_process():
    real = {name: mod for name, mod in sys.modules.items() if name == "torch" or name.startswith("torch.")}
    ember.compat.install()
    try:
        assert ember.compat.is_installed()
        import torch
        import torch.nn.functional as F
        assert torch is ember and F is ember.nn.functional
        with pytest.raises(ModuleNotFoundError, match=r"No module named 'torch.nope' \(ember does not provide"):
            import torch.nope
    finally:
        ember.compat.uninstall()
    assert not ember.compat.is_installed()
    assert {name: sys.modules.get(name) for name in real} == real  # PyTorch (if imported before) is back
    if not real:
        assert "torch" not in sys.modules


def test_vision_transforms_and_datasets(tmp_path):
    import numpy as np

    from ember.vision import datasets
    from ember.vision import transforms as T
    x = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])(np.array([[0, 255]], np.uint8))
    assert x.shape == (1, 1, 2) and x.dtype == ember.float32 and x.view(-1).tolist() == [-1.0, 1.0]
    with pytest.raises(RuntimeError, match="ember does not download datasets"):
        datasets.MNIST(str(tmp_path), download=True)
    # a torchvision-style raw folder is read as is
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    images = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    (raw / "t10k-images-idx3-ubyte").write_bytes(bytes([0, 0, 8, 3]) + b"".join(
        n.to_bytes(4, "big") for n in images.shape) + images.tobytes())
    (raw / "t10k-labels-idx1-ubyte").write_bytes(bytes([0, 0, 8, 1]) + (2).to_bytes(4, "big") + bytes([7, 3]))
    ds = datasets.MNIST(str(tmp_path), train=False, transform=T.ToTensor())
    img, label = ds[1]
    assert len(ds) == 2 and label == 3 and img.shape == (1, 3, 3)
    assert img.view(-1).tolist() == pytest.approx((images[1].reshape(-1) / 255).tolist())


def test_collect_env(tmp_path):
    r = subprocess.run([sys.executable, "-m", "ember.utils.collect_env"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    for field in ("ember version: 0.1.0", "Python version:", "NumPy version:", "NumPy BLAS:", "CPU count",
                  "ember.get_num_threads():", "CuPy version:", "Is CUDA available:", "GPU models and configuration:"):
        assert field in r.stdout, field
    from ember.utils.collect_env import get_env_info
    info = get_env_info()
    assert info["ember version"] == ember.__version__


def test_uninstall_puts_ember_modules_back():
    import ember.nn
    ember.compat.install()
    try:
        with pytest.raises(AttributeError, match=r"ember does not provide torch.nn.nope yet"):
            _ = ember.nn.nope
    finally:
        ember.compat.uninstall()
    with pytest.raises(AttributeError) as info:
        _ = ember.nn.nope
    assert "torch" not in str(info.value)


def test_syntax_error_reads_as_pythons(tmp_path):
    r = run(tmp_path, "import torch\nx = (\n")
    assert r.returncode == 1
    assert r.stderr.startswith(f'  File "{tmp_path / "script.py"}", line 2')
    assert r.stderr.strip().endswith("SyntaxError: '(' was never closed")
