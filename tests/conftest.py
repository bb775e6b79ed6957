"""Shared test setup: the PyTorch oracle (optional for users, required in CI) and seeding."""
import os

import numpy as np
import pytest

try:
    import torch  # the oracle
except ImportError:  # users without PyTorch still run everything else
    torch = None
    if os.environ.get("EMBER_REQUIRE_TORCH"):
        raise


def pytest_collection_modifyitems(config, items):
    for item in items:  # @pytest.mark.conforms("torch.x", "Tensor.y"): the names this oracle test verifies
        for mark in item.iter_markers("conforms"):
            item.user_properties.extend(("op", name) for name in mark.args)
    if torch is not None:
        return
    skip = pytest.mark.skip(reason="needs PyTorch 2.13 (pip install -e '.[test]')")
    for item in items:
        if "torch" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    if torch is not None:
        torch.manual_seed(0)
    yield


# --- conformance results for `python -m ember.testing.coverage` -------------
_results = {}


def pytest_runtest_logreport(report):
    failed = report.failed or report.skipped  # a skipped oracle test verifies nothing
    for key, op in report.user_properties:
        if key == "op":
            _results[op] = _results.get(op, True) and not failed


def pytest_sessionfinish(session):
    """Write {op: [passed, run id, time]}; the coverage command keeps each op's newest run only."""
    if not _results:
        return
    import json
    import pathlib
    import time
    import uuid
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex  # shared by a run's xdist workers
    out = pathlib.Path(session.config.rootpath) / ".conformance"
    out.mkdir(exist_ok=True)
    path = out / f"results-{worker}.json"
    merged = json.loads(path.read_text()) if path.exists() else {}  # keep results of earlier partial runs
    now = time.time()
    merged.update({op: [ok, run, now] for op, ok in _results.items()})
    path.write_text(json.dumps(merged, indent=0, sort_keys=True))
