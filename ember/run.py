"""Run a PyTorch program on ember, unchanged.

    python -m ember.run script.py [args...]
    python -m ember.run -m package.module [args...]
    ember run script.py [args...]

The script runs as with ``python script.py`` (same ``sys.argv``, ``__name__ ==
"__main__"``, ``__file__``, ``sys.path[0]`` = the script's directory, exit code
and traceback) except that ``torch``, ``torchvision``, ``torchaudio`` and
``torchtext`` are ember's modules (see ember.compat), in child processes too.
"""
import os
import re
import runpy
import sys
import zipfile

from . import compat

USAGE = "usage: python -m ember.run script.py [args...]  |  python -m ember.run -m module [args...]"


def _script_traceback(tb, filename):
    """The traceback from the first frame of the user's code on, as `python script.py` would print it.

    None when the script never ran (a SyntaxError): Python prints only the error then.
    """
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    return tb


def _note_missing_name(exc):
    """`from torch.nn import Foo` fails in Python's words with ember's module name: say which torch name it was."""
    if isinstance(exc, ImportError) and not isinstance(exc, ModuleNotFoundError) and exc.name:
        alias = compat.torch_name(exc.name)
        missing = re.match(r"cannot import name '([^']+)'", str(exc))
        if alias != exc.name and missing and hasattr(exc, "add_note"):  # add_note: Python >= 3.11
            exc.add_note(f"(ember does not provide {alias}.{missing.group(1)} yet)")


def _run_file(filename):
    """Execute a script as the __main__ module, as `python script.py` does.

    Unlike runpy.run_path, which puts back the previous __main__ when the script ends (and sets argv[0]
    to the path), the script's module stays __main__, so pickling its objects at exit still works.
    """
    import io
    import types
    with io.open_code(filename) as f:
        source = f.read()
    code = compile(source, filename, "exec", dont_inherit=True)
    module = types.ModuleType("__main__")
    module.__file__ = filename
    module.__cached__ = None
    module.__loader__ = None  # as for `python script.py` (a SourceFileLoader there; None is what runpy gives)
    module.__builtins__ = __builtins__ if isinstance(__builtins__, dict) else vars(__builtins__)
    sys.modules["__main__"] = module
    exec(code, module.__dict__)


def run(argv):
    """Run ``argv`` = ['script.py', args...] or ['-m', 'module', args...]; returns only if the program does."""
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        raise SystemExit(2 if not argv else 0)
    compat.install()
    if argv[0] == "-m":
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            raise SystemExit(2)
        module = argv[1]
        sys.argv = argv[1:]  # runpy puts the module's file in argv[0]
        sys.path[0] = os.getcwd()  # as `python -m module`
        filename = None
        target = lambda: runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        script = argv[0]
        if not os.path.exists(script):
            print(f"{sys.executable}: can't open file {os.path.abspath(script)!r}: [Errno 2] No such file or directory",
                  file=sys.stderr)
            raise SystemExit(2)
        sys.argv = list(argv)
        sys.path[0] = os.path.dirname(os.path.realpath(script))  # as `python script.py` (not the cwd of -m)
        if os.path.isdir(script) or zipfile.is_zipfile(script):  # a directory or zip with __main__.py
            filename = None
            target = lambda: runpy.run_path(script, run_name="__main__")
        else:
            filename = os.path.abspath(script)  # Python >= 3.9 gives __main__ an absolute __file__
            target = lambda: _run_file(filename)
    try:
        target()
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:  # print as Python would for an uncaught exception, without our own frames
        _note_missing_name(exc)
        tb = exc.__traceback__
        if filename is not None:
            tb = _script_traceback(tb, filename)
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        raise SystemExit(1) from None


def main(argv=None):
    run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
