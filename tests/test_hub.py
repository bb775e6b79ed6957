"""ember.hub: downloads into the cache (file:// URLs, so no network), hash checks, local hubconf repos."""
import hashlib
import os
from urllib.error import URLError

import numpy as np
import pytest

import ember
import ember.utils.model_zoo
from ember import hub

try:
    import torch
except ImportError:
    torch = None


# --- hub -------------------------------------------------------------------------------------

@pytest.fixture
def payload(tmp_path):
    src = tmp_path / "src" / "weights-0123abcd.bin"
    src.parent.mkdir()
    data = os.urandom(5000)
    src.write_bytes(data)
    return src, data, hashlib.sha256(data).hexdigest()


def test_download_url_to_file_file_url(payload, tmp_path):
    src, data, digest = payload
    dst = tmp_path / "out.bin"
    hub.download_url_to_file(src.as_uri(), str(dst), hash_prefix=digest[:8], progress=False)
    assert dst.read_bytes() == data
    hub._download_url_to_file(src.as_uri(), str(tmp_path / "out2.bin"), None, False)
    assert (tmp_path / "out2.bin").read_bytes() == data


def test_download_url_to_file_bad_hash_leaves_nothing(payload, tmp_path):
    src, _, digest = payload
    dst = tmp_path / "out.bin"
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.download_url_to_file(src.as_uri(), str(dst), hash_prefix="ffff" if not digest.startswith("ffff") else "0000",
                                 progress=False)
    assert os.listdir(tmp_path) == ["src"]  # neither dst nor the .partial temp file


def test_download_unreachable_url_names_it(tmp_path):
    url = "http://127.0.0.1:9/nothing-here.pth"  # discard port: connection refused, no network needed
    with pytest.raises(URLError, match="nothing-here.pth"):
        hub.download_url_to_file(url, str(tmp_path / "x"), progress=False)
    assert os.listdir(tmp_path) == []
    with pytest.raises(URLError, match="missing.bin"):
        hub.download_url_to_file((tmp_path / "missing.bin").as_uri(), str(tmp_path / "y"), progress=False)


def test_get_set_dir(tmp_path, monkeypatch):
    old = hub.get_dir()
    try:
        hub.set_dir(str(tmp_path / "hubdir"))
        assert hub.get_dir() == str(tmp_path / "hubdir")
    finally:
        hub.set_dir(old)
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    assert hub.get_dir() == os.path.join(str(tmp_path / "th"), "hub")


def _save(obj, path):
    save = getattr(ember, "save", None)
    if save is None:
        from ember.serialization import save
    save(obj, path)


def test_load_state_dict_from_url(tmp_path):
    sd = {"w": ember.arange(6.).reshape(2, 3), "b": ember.zeros(3)}
    raw = tmp_path / "raw.pth"
    _save(sd, str(raw))
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    src = tmp_path / f"model-{digest[:10]}.pth"
    raw.rename(src)
    model_dir = tmp_path / "cache"
    out = hub.load_state_dict_from_url(src.as_uri(), model_dir=str(model_dir), progress=False, check_hash=True)
    assert sorted(out) == ["b", "w"]
    np.testing.assert_array_equal(out["w"].numpy(), np.arange(6.).reshape(2, 3))
    assert os.listdir(model_dir) == [src.name]
    # cached: a second call does not download (the source may disappear)
    src.unlink()
    out2 = ember.utils.model_zoo.load_url(src.as_uri(), model_dir=str(model_dir), progress=False, file_name=None)
    np.testing.assert_array_equal(out2["b"].numpy(), np.zeros(3))
    # a wrong hash in the file name is detected when check_hash=True
    bad = tmp_path / "model-deadbeef00.pth"
    _save(sd, str(bad))
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.load_state_dict_from_url(bad.as_uri(), model_dir=str(tmp_path / "c2"), progress=False, check_hash=True)


def test_hub_load_local_repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "hubconf.py").write_text(
        "dependencies = ['numpy']\n"
        "def tiny(n=2):\n    '''A tiny entrypoint.'''\n    import ember\n    return ember.ones(n)\n"
        "def _private():\n    pass\n")
    np.testing.assert_array_equal(hub.load(str(repo), "tiny", source="local", n=3).numpy(), np.ones(3))
    with pytest.raises(RuntimeError, match="Cannot find callable"):
        hub.load(str(repo), "nope", source="local")


@pytest.mark.torch
def test_hub_signatures_match_torch():
    import inspect
    assert hub.__all__ == torch.hub.__all__
    for name in hub.__all__:
        assert str(inspect.signature(getattr(hub, name))).replace("ember", "torch") == str(
            inspect.signature(getattr(torch.hub, name))) or name == "load_state_dict_from_url", name


def test_hub_github_error_names_url(tmp_path, monkeypatch):
    def refuse(url):
        raise URLError("offline")

    monkeypatch.setattr(hub, "_hub_dir", str(tmp_path / "hub"))
    monkeypatch.setattr(hub, "_open", refuse)
    with pytest.raises(URLError, match="https://github.com/someone/repo/zipball/v1"):
        hub.load("someone/repo:v1", "model", trust_repo=True, verbose=False)
    assert sorted(os.listdir(tmp_path / "hub")) == ["trusted_list"]  # no half-extracted repo left behind
    with pytest.raises(ValueError, match="Unknown source"):
        hub.load("x", "model", source="nowhere")
