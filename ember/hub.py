"""ember.hub: download files into a local cache and load models published through a ``hubconf.py``.

Downloads go to ``<dst>.<random>.partial`` first and are renamed into place only once complete (and, when
asked, once the SHA-256 digest starts with the expected prefix), so an interrupted or corrupted download never
leaves a file that looks valid.
"""
import hashlib
import importlib.util
import os
import re
import shutil
import sys
import tempfile
import uuid
import warnings
import zipfile
from typing import Any
from urllib.parse import urlparse
from urllib.request import Request, urlopen

import ember

__all__ = ["download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url", "set_dir"]

_hub_dir = None
_TIMEOUT = 30  # seconds for network reads; a stalled server must not hang forever
_CHUNK = 1 << 16
_HASH_IN_NAME = re.compile(r"-([a-f0-9]*)\.")  # e.g. resnet18-f37072fd.pth -> "f37072fd"


def get_dir() -> str:
    """The hub cache directory: set_dir()'s value, else $TORCH_HOME/hub, else ~/.cache/torch/hub."""
    if _hub_dir is not None:
        return _hub_dir
    torch_home = os.path.expanduser(
        os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")))
    return os.path.join(torch_home, "hub")


def set_dir(d: str | os.PathLike) -> None:
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


def _open(url):
    if urlparse(url).scheme in ("", "file"):
        return urlopen(url)  # local files: no headers, no timeout needed
    return urlopen(Request(url, headers={"User-Agent": "ember.hub"}), timeout=_TIMEOUT)


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True) -> None:
    """Download ``url`` to ``dst``; if ``hash_prefix`` is given the file's sha256 hex digest must start with it."""
    from urllib.error import URLError

    try:
        response = _open(url)
    except URLError as e:
        raise URLError(f"{e.reason} (while downloading {url})") from e
    except OSError as e:  # e.g. a file:// path that does not exist
        raise URLError(f"{e} (while downloading {url})") from e
    dst = os.path.abspath(os.path.expanduser(dst))
    tmp = f"{dst}.{uuid.uuid4().hex}.partial"
    total = response.headers.get("Content-Length") if hasattr(response, "headers") else None
    total = int(total) if total else None
    sha = hashlib.sha256() if hash_prefix is not None else None
    try:
        with response, open(tmp, "wb") as f:
            done = 0
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                f.write(chunk)
                if sha is not None:
                    sha.update(chunk)
                done += len(chunk)
                if progress:
                    pct = f" {100 * done // total}%" if total else ""
                    sys.stderr.write(f"\rDownloading {os.path.basename(dst)}: {done} bytes{pct}")
        if progress:
            sys.stderr.write("\n")
        if sha is not None:
            digest = sha.hexdigest()
            if not digest.startswith(hash_prefix):
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        shutil.move(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


_download_url_to_file = download_url_to_file  # old private name


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location=None, progress: bool = True,
                             check_hash: bool = False, file_name: str | None = None,
                             weights_only: bool = False) -> dict[str, Any]:
    """Load an object saved with ember.save/torch.save from ``url``, downloading it into ``model_dir`` once
    (default ``<hub_dir>/checkpoints``). With ``check_hash`` the file name must contain ``-<sha256 prefix>.``."""
    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name or os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        if progress:
            sys.stderr.write(f'Downloading: "{url}" to {cached_file}\n')
        hash_prefix = None
        if check_hash:
            m = _HASH_IN_NAME.search(filename)
            hash_prefix = m.group(1) if m else None
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    if zipfile.is_zipfile(cached_file) and _is_legacy_zip(cached_file):
        cached_file = _extract_legacy_zip(cached_file, model_dir)
    return ember.load(cached_file, map_location=map_location, weights_only=weights_only)


def _is_legacy_zip(path):
    # a zip holding exactly one member that is not itself a torch.save archive (old model-zoo format)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        return len(names) == 1 and not names[0].endswith("/") and "/" not in names[0].strip("/")


def _extract_legacy_zip(path, model_dir):
    with zipfile.ZipFile(path) as z:
        member = z.namelist()[0]
        z.extractall(model_dir)
    return os.path.join(model_dir, member)


# --- hubconf.py repositories --------------------------------------------------------------------

def _parse_repo(github):
    ref = None
    if ":" in github:
        github, ref = github.split(":", 1)
    if "/" not in github:
        raise ValueError(f'Invalid input: repo_or_dir "{github}" should be in the form of "repo_owner/repo_name[:ref]"')
    owner, name = github.split("/", 1)
    return owner, name, ref


def _check_trust(owner, name, trust_repo):
    if trust_repo is True:
        return _add_trusted(owner, name)
    path = os.path.join(get_dir(), "trusted_list")
    trusted = set()
    if os.path.exists(path):
        with open(path) as f:
            trusted = set(f.read().split())
    key = f"{owner}_{name}"
    if key in trusted or owner in ("pytorch", "facebookresearch"):
        return
    if trust_repo is None:
        warnings.warn("You are about to download and run code from an untrusted repository. In a future release, "
                      "this won't be allowed. To add the repository to your trusted list, change the command to "
                      "load(..., trust_repo=False) and a command prompt will appear asking for an explicit "
                      "confirmation of trust, or load(..., trust_repo=True), which will assume that the prompt is "
                      "to be answered with 'yes'.", stacklevel=3)
        return
    answer = input(f"The repository {owner}/{name} does not belong to the list of trusted repositories and as such "
                   "cannot be downloaded. Do you trust this repository and wish to add it to the trusted list of "
                   "repositories (y/N)?")
    if answer.lower() not in ("y", "yes"):
        raise Exception("Untrusted repository.")
    _add_trusted(owner, name)


def _add_trusted(owner, name):
    os.makedirs(get_dir(), exist_ok=True)
    with open(os.path.join(get_dir(), "trusted_list"), "a") as f:
        f.write(f"{owner}_{name}\n")


def _github_dir(github, force_reload, trust_repo, verbose):
    owner, name, ref = _parse_repo(github)
    ref = ref or "main"
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    repo_dir = os.path.join(hub_dir, f"{owner}_{name}_{ref.replace('/', '_')}")
    _check_trust(owner, name, trust_repo)
    if os.path.exists(repo_dir) and not force_reload:
        if verbose:
            sys.stderr.write(f"Using cache found in {repo_dir}\n")
        return repo_dir
    url = f"https://github.com/{owner}/{name}/zipball/{ref}"
    with tempfile.TemporaryDirectory(dir=hub_dir) as tmp:
        archive = os.path.join(tmp, "repo.zip")
        if verbose:
            sys.stderr.write(f'Downloading: "{url}" to {archive}\n')
        download_url_to_file(url, archive, progress=False)
        with zipfile.ZipFile(archive) as z:
            top = z.namelist()[0].split("/")[0]
            z.extractall(tmp)
        if os.path.exists(repo_dir):
            shutil.rmtree(repo_dir)
        shutil.move(os.path.join(tmp, top), repo_dir)
    return repo_dir


def _import_hubconf(repo_dir):
    path = os.path.join(repo_dir, "hubconf.py")
    if not os.path.exists(path):
        raise FileNotFoundError(f"Cannot find hubconf.py in {repo_dir}")
    sys.path.insert(0, repo_dir)
    try:
        spec = importlib.util.spec_from_file_location("hubconf", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(repo_dir)
    missing = [d for d in getattr(module, "dependencies", []) if importlib.util.find_spec(d) is None]
    if missing:
        raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    return module


def _repo_dir(repo_or_dir, source, force_reload, trust_repo, verbose):
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "local":
        return repo_or_dir
    return _github_dir(repo_or_dir, force_reload, trust_repo, verbose)


def _entry(module, model):
    fn = getattr(module, model, None) if isinstance(model, str) else None
    if fn is None or not callable(fn):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return fn


def list(github, force_reload=False, skip_validation=False, trust_repo="check", verbose=True):
    """Names of the public callables (entrypoints) in the repository's hubconf.py."""
    module = _import_hubconf(_repo_dir(github, "github", force_reload, trust_repo, verbose))
    return [f for f in dir(module) if callable(getattr(module, f)) and not f.startswith("_")]


def help(github, model, force_reload=False, skip_validation=False, trust_repo="check"):
    """The docstring of entrypoint ``model``."""
    module = _import_hubconf(_repo_dir(github, "github", force_reload, trust_repo, True))
    return _entry(module, model).__doc__


def load(repo_or_dir, model, *args, source="github", trust_repo="check", force_reload=False, verbose=True,
         skip_validation=False, **kwargs):
    """Call entrypoint ``model`` of ``repo_or_dir`` (a GitHub "owner/repo[:ref]" or, with source="local", a
    directory holding hubconf.py) with ``*args, **kwargs``."""
    repo_dir = _repo_dir(repo_or_dir, source, force_reload, trust_repo, verbose)
    return _entry(_import_hubconf(repo_dir), model)(*args, **kwargs)


