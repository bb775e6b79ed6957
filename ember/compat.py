"""ember.compat: serve ``import torch`` (and torchvision, torchaudio, torchtext) from ember.

    >>> import ember.compat
    >>> ember.compat.install()      # from here on, `import torch` gives ember
    >>> import torch, torch.nn as nn
    >>> torch.nn is ember.nn         # the same module object under both names
    True

A finder at the front of ``sys.meta_path`` answers every name under the mapped
packages by importing the ember module and handing back *that object*, so
``torch.nn is ember.nn`` and classes pickle under their ember names.  PyTorch
need not be installed, and if it is, it is shadowed (modules of it that were
already imported are set aside and put back by :func:`uninstall`).
``sys.path`` is not touched.

A PyTorch submodule ember lacks raises ``ModuleNotFoundError: No module named
'torch.xyz' (ember does not provide it yet)``; a missing attribute of an
aliased module raises ``AttributeError: module 'torch.nn' has no attribute
'xyz' (ember does not provide torch.nn.xyz yet)``.

Child processes started with the 'spawn' or 'forkserver' method get the
mapping too: the preparation data multiprocessing sends to each child carries
a small object whose unpickling calls :func:`install` in the child, before the
child re-imports the parent's ``__main__`` script.  'fork' children inherit it.
"""
import importlib
import importlib.abc
import importlib.machinery
import multiprocessing.spawn
import os
import sys

__all__ = ["MAPPING", "install", "is_installed", "torch_name", "uninstall"]

# PyTorch package -> ember module that serves it
MAPPING = {
    "torch": "ember",
    "torchvision": "ember.vision",
    "torchaudio": "ember.audio",
    "torchtext": "ember.text",
    "functorch": "ember.functorch",
}

_finder = None
_stashed = {}  # real PyTorch modules set aside by install()
_named = []  # ember modules given a torch-named __getattr__, to be put back by uninstall()
_saved_preparation_data = None
_saved_forkserver_preload = None


def _split(fullname):
    """('torch', 'nn.functional') for 'torch.nn.functional'; None for names outside the mapping."""
    top, _, rest = fullname.partition(".")
    return (top, rest) if top in MAPPING else None


def _target(fullname):
    top, rest = _split(fullname)
    return MAPPING[top] + ("." + rest if rest else "")


def torch_name(module_name):
    """The PyTorch name of an ember module name ('ember.nn' -> 'torch.nn'); other names unchanged."""
    best = None
    for torch_pkg, ember_pkg in MAPPING.items():
        if module_name == ember_pkg or module_name.startswith(ember_pkg + "."):
            if best is None or len(ember_pkg) > len(MAPPING[best]):
                best = torch_pkg
    return module_name if best is None else best + module_name[len(MAPPING[best]):]


def _missing_attribute(module, alias):
    """A module __getattr__ that loads submodules on first use (PyTorch imports most of its submodules
    eagerly, so `torch.utils.data` works after a bare `import torch`) and names the PyTorch attribute ember lacks."""
    def __getattr__(name):
        if name.startswith("__"):  # dunder probes (__path__, __wrapped__...) keep Python's plain message
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        if hasattr(module, "__path__"):
            submodule = f"{module.__name__}.{name}"
            try:
                return importlib.import_module(submodule)
            except ModuleNotFoundError as e:
                if e.name != submodule:
                    raise
        raise AttributeError(f"module {alias!r} has no attribute {name!r} (ember does not provide {alias}.{name} yet)")
    return __getattr__


class _AliasLoader(importlib.abc.Loader):
    """Hands back an already imported ember module instead of creating a new one."""

    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module  # module attributes are kept: import only fills in missing ones

    def exec_module(self, module):
        pass  # already executed under its ember name


class _NamingLoader(importlib.abc.Loader):
    """Runs an ember module's own loader, then gives the module the torch-named missing-attribute error."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self.loader  # the module looks as if we were never there
        self.loader.exec_module(module)
        _name_missing_attributes(module)


def _name_missing_attributes(module):
    if not hasattr(module, "__getattr__"):
        module.__getattr__ = _missing_attribute(module, torch_name(module.__name__))
        _named.append(module)


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Finds 'torch', 'torch.nn', 'torchvision.transforms'... as the matching ember modules.

    It also sees ember's own imports ('ember.nn' loaded by `torch.nn` through ember's lazy __getattr__) so
    that every ember module reached under a torch name says which torch name it lacks.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("ember."):
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _NamingLoader(spec.loader)
            return spec
        if _split(fullname) is None:
            return None
        name = _target(fullname)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            # only "ember has no such module" becomes the torch-named error; a missing dependency deeper down
            # (or a bug inside ember) keeps its own message
            if e.name is not None and (name == e.name or name.startswith(e.name + ".")):
                raise ModuleNotFoundError(f"No module named {fullname!r} (ember does not provide it yet)",
                                          name=fullname) from None
            raise
        _name_missing_attributes(module)
        is_package = hasattr(module, "__path__")
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module), is_package=is_package)


class _InstallInChild:
    """Unpickled first in a spawn/forkserver child: installs the mapping before the parent's script is re-run."""

    def __reduce__(self):
        ember_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        code = ("import sys\n"
                "try:\n"
                "    import ember.compat as c\n"
                "except ImportError:\n"  # ember only reachable through the parent's sys.path (set up later)
                f"    sys.path.insert(0, {ember_parent!r})\n"
                "    import ember.compat as c\n"
                f"    sys.path.remove({ember_parent!r})\n"
                "c.install()\n")
        return exec, (code,)


def _patch_multiprocessing():
    global _saved_preparation_data, _saved_forkserver_preload
    original = multiprocessing.spawn.get_preparation_data

    def get_preparation_data(name):
        data = original(name)
        data["ember_compat"] = _InstallInChild()  # a key spawn.prepare() ignores
        return data

    _saved_preparation_data = original
    multiprocessing.spawn.get_preparation_data = get_preparation_data
    # A forkserver imports the main script before any child code runs, where `import torch` would not be
    # mapped; each forked child imports it anyway (after installing the mapping), so the server skips it.
    try:
        from multiprocessing import forkserver
        server = forkserver._forkserver
        if server._forkserver_pid is None and "__main__" in server._preload_modules:
            _saved_forkserver_preload = list(server._preload_modules)
            server._preload_modules = [m for m in server._preload_modules if m != "__main__"]
    except (ImportError, AttributeError):  # no forkserver on this platform
        pass


def _unpatch_multiprocessing():
    global _saved_preparation_data, _saved_forkserver_preload
    if _saved_preparation_data is not None:
        multiprocessing.spawn.get_preparation_data = _saved_preparation_data
        _saved_preparation_data = None
    if _saved_forkserver_preload is not None:
        from multiprocessing import forkserver
        forkserver._forkserver._preload_modules = _saved_forkserver_preload
        _saved_forkserver_preload = None


def install():
    """Serve ``import torch`` / ``torchvision`` / ``torchaudio`` / ``torchtext`` from ember (idempotent).

    Call it before the code that imports torch runs (in a notebook: in the first cell).
    """
    global _finder
    if _finder is not None:
        return _finder
    for name in list(sys.modules):
        if _split(name) is not None:
            module = sys.modules[name]
            if module is None or getattr(module, "__name__", "").split(".")[0] != "ember":
                _stashed[name] = sys.modules.pop(name)  # real PyTorch, imported earlier
    for name, module in list(sys.modules.items()):  # ember modules imported before
        if name.startswith("ember.") and module is not None:
            _name_missing_attributes(module)
    _finder = TorchAliasFinder()
    sys.meta_path.insert(0, _finder)
    _patch_multiprocessing()
    return _finder


def uninstall():
    """Undo :func:`install`: ``import torch`` finds PyTorch (or nothing) again."""
    global _finder
    if _finder is None:
        return
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _finder = None
    for name in list(sys.modules):
        if _split(name) is not None:
            del sys.modules[name]
    sys.modules.update(_stashed)
    _stashed.clear()
    for module in _named:
        if getattr(module.__getattr__, "__qualname__", "").startswith("_missing_attribute"):
            del module.__getattr__
    _named.clear()
    _unpatch_multiprocessing()


def is_installed():
    return _finder is not None
