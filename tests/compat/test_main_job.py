"""The main job (main.py at the repository root) end to end, with fewer epochs."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="the main job needs scikit-learn (pip install '.[main]')")
pytest.importorskip("tqdm", reason="the main job needs tqdm (pip install '.[main]')")

MAIN = Path(__file__).resolve().parents[2] / "main.py"

def run_main(tmp_path, *args, epochs=4, env=()):
    checkpoint = tmp_path / "digits.pt"
    r = subprocess.run([sys.executable, str(MAIN), "--epochs", str(epochs), "--checkpoint",
                        str(checkpoint), *args], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, PYTHONUNBUFFERED="1", **dict(env)))
    assert r.returncode == 0, r.stdout + r.stderr
    trained = re.search(r"test accuracy ([\d.]+)%", r.stdout)
    reloaded = re.search(r"reloaded into a fresh model: test accuracy ([\d.]+)%", r.stdout)
    assert trained and reloaded, r.stdout
    assert checkpoint.exists()
    assert "img/s" in r.stderr and "loss=" in r.stderr  # the tqdm bar with loss and throughput
    return float(trained.group(1)), float(reloaded.group(1)), r.stdout


def test_main_job_on_ember(tmp_path):
    acc, reloaded, out = run_main(tmp_path)
    assert out.startswith("ember ")
    assert acc >= 95.0  # 4 epochs; the default 10 reach ~98%
    assert reloaded == acc


@pytest.mark.torch
def test_main_job_on_pytorch(tmp_path):
    # only that the same program runs on PyTorch: 2 epochs, one thread (PyTorch's threads fight the test runner's)
    acc, reloaded, out = run_main(tmp_path, "--torch", epochs=2, env={"OMP_NUM_THREADS": "1"})
    assert out.startswith("torch ")
    assert acc >= 90.0 and reloaded == acc
