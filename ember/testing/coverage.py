"""How much of PyTorch's API ember has, and how much of it passes the conformance suite.

    python -m ember.testing.coverage [--results DIR] [--api DIR] [--missing]

For each name list in the shared API directory (``$EMBER_API_DIR``, else
``<repo>/../shared/api``) it counts the names ember defines (``torch.x.y`` ->
``ember.x.y``, ``Tensor.x`` -> ``ember.Tensor.x``, torchvision/torchtext/
torchaudio -> ember.vision/text/audio; a list's header names its module) and
how many of those pass the conformance suite, read from the
``results-*.json`` files that tests/conftest.py writes into ``.conformance/``
(op name -> passed).  It never imports torch.
"""
import argparse
import importlib
import json
import os
import pathlib
import re
import sys
import textwrap

_REPO = pathlib.Path(__file__).resolve().parents[2]
_PACKAGES = {"torch": "ember", "torchvision": "ember.vision", "torchtext": "ember.text",
             "torchaudio": "ember.audio"}
# used-in-real-code names outside the goal subset: layers, optimizers, data loading, the domain libraries,
# exporters, distributed and CUDA-only APIs
_NOT_GOAL = re.compile(r"^(torch\.(nn|optim|utils\.data|jit|onnx|distributed|cuda|backends\.cud(a|nn))\b"
                       r"|torchvision|torchtext|torchaudio|Tensor\.cuda\b)")
# used-in-real-code names that no framework can provide: PyTorch 2.13 itself lacks them (removed
# private helpers), or they are classes of the program's own C++ extension
_NOT_APPLICABLE = re.compile(r"^(torch\.(utils\.model_zoo|hub)\._download_url_to_file"
                             r"|torch\.classes\.NativeInterpretation\b)")


def api_dir(explicit=None):
    for d in (explicit, os.environ.get("EMBER_API_DIR"), _REPO.parent / "shared" / "api"):
        if d and pathlib.Path(d).is_dir():
            return pathlib.Path(d)
    raise SystemExit("ember.testing.coverage: no API lists found (set EMBER_API_DIR or pass --api)")


def load_results(results_dir):
    """{op name: passed} from every results-*.json: an op's newest run decides, and within that run
    (whose xdist workers each wrote a file) it passes only if it passed everywhere."""
    newest = {}  # op -> (time, run, passed)
    for f in sorted(pathlib.Path(results_dir).glob("results-*.json")):
        try:
            data = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        for op, verdict in data.items():
            ok, run, when = verdict if isinstance(verdict, list) else (verdict, "", 0.0)
            seen = newest.get(op)
            if seen is not None and seen[1] == run:
                newest[op] = (max(seen[0], when), run, seen[2] and bool(ok))
            elif seen is None or when > seen[0]:
                newest[op] = (when, run, bool(ok))
    return {op: v[2] for op, v in newest.items()}


def read_list(path):
    """(module prefix, [(name, weight)]) from a .txt list (header '# ... torch.x ...') or the .tsv of counts."""
    lines = path.read_text().splitlines()
    header = lines[0] if lines and lines[0].startswith("#") else ""
    rows = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    if path.suffix == ".tsv":
        names = []
        for ln in rows:
            count, _, name = ln.partition("\t")
            names.append((name.strip(), int(count) if count.strip().isdigit() else 1))
        return "", names
    m = re.search(r"torch(\.[A-Za-z_]\w*)*", header)
    prefix = m.group(0) if m else "torch"
    return prefix, [(ln.strip(), 1) for ln in rows]


_missing = object()


def _import(modname):
    try:
        return importlib.import_module(modname)
    except Exception:  # noqa: BLE001  (a module that fails to import counts as missing)
        return _missing


def resolve(full_name):
    """The ember object for a PyTorch dotted name, or `_missing` when ember lacks it (None is a value)."""
    head, _, rest = full_name.partition(".")
    if head == "Tensor":
        obj = _import("ember")
        parts = ["Tensor"] + rest.split(".")
    elif head in _PACKAGES:
        obj = _import(_PACKAGES[head])
        parts = rest.split(".") if rest else []
    else:
        return _missing
    if obj is _missing:
        return _missing
    for part in parts:
        try:
            obj = getattr(obj, part)
            continue
        except Exception:  # noqa: BLE001  (AttributeError, or a lazy submodule that fails to load)
            pass
        if not hasattr(obj, "__path__"):  # not a package: no submodule to import
            return _missing
        obj = _import(f"{obj.__name__}.{part}")
        if obj is _missing:
            return _missing
    return obj


def op_names(full_name):
    """Conformance op names that test `full_name`: itself (as `@pytest.mark.conforms` records it) and
    the row name (torch.linalg.inv -> linalg.inv; Tensor.add_ -> add)."""
    if full_name.startswith("Tensor."):
        attr = full_name[len("Tensor."):]
        names = [full_name, attr]
        if attr.endswith("_") and not attr.startswith("__"):
            names.append(attr[:-1])
        return names
    return [full_name, full_name.split(".", 1)[1]] if "." in full_name else [full_name]


def full_names(prefix, names):
    if not prefix:
        return names
    base = "Tensor" if prefix == "torch.Tensor" else prefix
    return [(f"{base}.{n}", w) for n, w in names]


def measure(names, results):
    """Counts for [(full name, weight)]: total, present, tested, passing (names and weights)."""
    present, passing, tested, missing = [], [], [], []
    for name, w in names:
        if resolve(name) is _missing:
            missing.append((name, w))
            continue
        present.append((name, w))
        verdicts = [results[o] for o in op_names(name) if o in results]
        if verdicts:
            tested.append((name, w))
            if all(verdicts):
                passing.append((name, w))
    return dict(total=names, present=present, tested=tested, passing=passing, missing=missing)


def _row(label, m):
    n = len(m["total"])
    w = sum(x for _, x in m["total"]) or 1
    pw = sum(x for _, x in m["present"])
    pct = 100.0 * len(m["present"]) / n if n else 0.0
    return (f"{label:<34} {n:>5} {len(m['present']):>7} {pct:>6.1f}% {len(m['tested']):>6} "
            f"{len(m['passing']):>7} {100.0 * pw / w:>8.1f}%")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m ember.testing.coverage", description=__doc__.split("\n\n")[0])
    p.add_argument("--results", default=str(_REPO / ".conformance"),
                   help="directory with the conformance suite's results-*.json (default: <repo>/.conformance)")
    p.add_argument("--api", default=None, help="directory with the API name lists")
    p.add_argument("--missing", action="store_true",
                   help="also list the names ember lacks and those failing the conformance suite")
    args = p.parse_args(argv)

    results = load_results(args.results)
    directory = api_dir(args.api)
    print(f"{'list':<34} {'names':>5} {'present':>7} {'%':>7} {'tested':>6} {'passing':>7} {'weighted':>9}")
    listings = {}  # label -> [(name, weight)]
    for path in sorted(directory.glob("*.txt")) + sorted(directory.glob("*.tsv")):
        prefix, names = read_list(path)
        names = full_names(prefix, names)
        m = measure(names, results)
        print(_row(path.name, m))
        failing = [nw for nw in m["tested"] if nw not in m["passing"]]
        listings[f"missing from {path.name}"] = m["missing"]
        listings[f"failing conformance in {path.name}"] = failing
        if path.suffix == ".tsv":
            goal = measure([(n, w) for n, w in names if not (_NOT_GOAL.match(n) or _NOT_APPLICABLE.match(n))],
                           results)
            print(_row("  goal subset", goal))
            listings[f"missing from the goal subset of {path.name}"] = goal["missing"]
    print(f"(conformance results: {len(results)} ops from {args.results}; 'weighted': present, weighted by the "
          "number of files using a name; goal subset: without nn/optim/data/vision/text/audio/jit/onnx/"
          "distributed/cuda names, and without names PyTorch 2.13 lacks or a program's own C++ extension defines)")
    if args.missing:
        for label, names in listings.items():
            if not names:
                continue
            names = sorted(names, key=lambda nw: (-nw[1], nw[0]))
            print(f"\n{label} ({len(names)}):")
            print(textwrap.fill(" ".join(n if w == 1 else f"{n}({w})" for n, w in names), width=100,
                                initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
