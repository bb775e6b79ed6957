"""summary(model, input_size): a torchinfo/Keras-style table of a model's layers, output shapes and parameters.

The model is run on the meta device (shapes and dtypes only): its parameters and
buffers are replaced by meta twins in a copy, so nothing is computed or
allocated whatever the model's size, and the model itself is untouched.
Not in PyTorch (it is the torchinfo package's `summary`); ember ships it so
`print(summary(model, (64, 784)))` needs no extra install.
"""
import copy
from dataclasses import dataclass

__all__ = ["LayerInfo", "ModelSummary", "summary"]


@dataclass
class LayerInfo:
    """One call of one module: where it sits, what it returned, what it owns."""

    path: str  # dotted path in the model ("" for the model itself)
    class_name: str
    depth: int
    output_shape: object = None  # a list of ints, a list of such lists, or None
    num_params: int = 0  # parameters shown on this row (see ModelSummary)
    trainable_params: int = 0
    recursive: bool = False  # a repeated call of a module already listed


def _fmt_shape(shape):
    if shape is None:
        return "--"
    return str(shape)


def _shape_of(out):
    from .._tensor import Tensor
    if isinstance(out, Tensor):
        return list(out.shape)
    if isinstance(out, (list, tuple)):
        shapes = [_shape_of(o) for o in out]
        shapes = [s for s in shapes if s is not None]
        if not shapes:
            return None
        return shapes[0] if len(shapes) == 1 else shapes
    if isinstance(out, dict):
        return _shape_of(list(out.values()))
    return None


def _nbytes(out):
    from .._tensor import Tensor
    if isinstance(out, Tensor):
        return out.numel() * out.dtype.itemsize
    if isinstance(out, (list, tuple)):
        return sum(_nbytes(o) for o in out)
    if isinstance(out, dict):
        return sum(_nbytes(o) for o in out.values())
    return 0


class ModelSummary:
    """The table `summary` returns; `str()` renders it.

    Attributes: `layers` (LayerInfo rows in call order, those deeper than
    `depth` left out), `total_params`, `trainable_params`,
    `non_trainable_params`, `input_size_bytes`, `forward_pass_size_bytes`,
    `params_size_bytes`.
    """

    def __init__(self, model_name, layers, total_params, trainable_params, params_size, input_size, fwd_size):
        self.model_name = model_name
        self.layers = layers
        self.total_params = total_params
        self.trainable_params = trainable_params
        self.non_trainable_params = total_params - trainable_params
        self.params_size_bytes = params_size
        self.input_size_bytes = input_size
        self.forward_pass_size_bytes = fwd_size

    def _layer_names(self):
        names = []
        for i, row in enumerate(self.layers):
            label = row.class_name + (f" ({row.path})" if row.path else "")
            if row.depth == 0:
                names.append(label)
                continue
            # the last child of its parent gets └─, the others ├─ (looking ahead for a sibling)
            last = True
            for nxt in self.layers[i + 1:]:
                if nxt.depth < row.depth:
                    break
                if nxt.depth == row.depth:
                    last = False
                    break
            names.append("│    " * (row.depth - 1) + ("└─" if last else "├─") + label)
        return names

    def __str__(self):
        header = ("Layer (type (path))", "Output Shape", "Param #")
        cells = []
        for name, row in zip(self._layer_names(), self.layers):
            if row.recursive:
                params = "(recursive)"
            elif row.num_params:
                params = f"{row.num_params:,}"
            else:
                params = "--"
            cells.append((name, _fmt_shape(row.output_shape), params))
        widths = [max([len(header[c])] + [len(r[c]) for r in cells]) + 4 for c in range(3)]
        width = sum(widths)

        def line(r):
            return (r[0].ljust(widths[0]) + r[1].ljust(widths[1]) + r[2].rjust(widths[2] - 4)).rstrip()
        mb = 1024 ** 2
        total_bytes = self.input_size_bytes + self.forward_pass_size_bytes + self.params_size_bytes
        lines = ["=" * width, line(header), "=" * width, *(line(r) for r in cells), "=" * width,
                 f"Total params: {self.total_params:,}",
                 f"Trainable params: {self.trainable_params:,}",
                 f"Non-trainable params: {self.non_trainable_params:,}",
                 "=" * width,
                 f"Input size (MB): {self.input_size_bytes / mb:.2f}",
                 f"Forward pass size (MB): {self.forward_pass_size_bytes / mb:.2f}",
                 f"Params size (MB): {self.params_size_bytes / mb:.2f}",
                 f"Estimated Total Size (MB): {total_bytes / mb:.2f}",
                 "=" * width]
        return "\n".join(lines)

    __repr__ = __str__


def _parametrization_paths(named_modules):
    """Paths of the `parametrizations` ModuleDicts of parametrized modules (prefixes ending with ".")."""
    from ..nn.utils.parametrize import is_parametrized
    return tuple(f"{path}.parametrizations." if path else "parametrizations."
                 for path, m in named_modules if is_parametrized(m))


def _meta_inputs(input_size, input_data, dtypes):
    """(args, kwargs) of meta tensors standing for the described inputs."""
    import ember

    from .._tensor import Tensor

    def to_meta(x):
        if isinstance(x, Tensor):
            return ember.empty(tuple(x.shape), dtype=x.dtype, device="meta")
        if isinstance(x, (list, tuple)):
            return type(x)(to_meta(v) for v in x)
        if isinstance(x, dict):
            return {k: to_meta(v) for k, v in x.items()}
        return x

    if input_data is not None:
        if isinstance(input_data, dict):
            return (), to_meta(input_data)
        if isinstance(input_data, (list, tuple)):
            return tuple(to_meta(input_data)), {}
        return (to_meta(input_data),), {}
    if input_size is None:
        raise ValueError("summary needs input_size or input_data to run the model")
    sizes = list(input_size)
    if not sizes or all(isinstance(s, int) for s in sizes):  # one input: (batch, features, ...)
        sizes = [tuple(sizes)]
    if dtypes is None:
        dtypes = [ember.get_default_dtype()] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"dtypes has {len(dtypes)} entries for {len(sizes)} inputs")
    return tuple(ember.empty(tuple(s), dtype=d, device="meta") for s, d in zip(sizes, dtypes)), {}


def _meta_copy(model):
    """A deep copy of `model` whose tensors (parameters, buffers, tensor attributes) are meta tensors."""
    import ember

    from .._tensor import Tensor
    from ..nn.parameter import Parameter, is_lazy

    def twin(t):
        if is_lazy(t):  # lazy modules materialize their parameters on the meta device during forward
            return type(t)(requires_grad=t.requires_grad, device="meta", dtype=t._uninit_dtype)
        meta = ember.empty(tuple(t.shape), dtype=t.dtype, device="meta")
        return Parameter(meta, requires_grad=t.requires_grad) if isinstance(t, Parameter) else meta

    memo = {}
    for _, m in model.named_modules(remove_duplicate=False):
        for t in [*m._parameters.values(), *m._buffers.values(), *vars(m).values()]:
            if isinstance(t, Tensor) and id(t) not in memo:
                memo[id(t)] = twin(t)
    return copy.deepcopy(model, memo)


def summary(model, input_size=None, *, input_data=None, dtypes=None, depth=3, verbose=1):
    """Run `model` on meta tensors and tabulate each module call: type, dotted path, output shape, parameters.

    `input_size` is one shape including the batch dimension, or a list of shapes for several inputs
    (with `dtypes` a matching list; default: the default float dtype). `input_data` gives example inputs
    instead (a tensor, a list/tuple of positional inputs, or a dict of keyword inputs); only their shapes
    and dtypes are used. Rows deeper than `depth` are folded into their ancestor's parameter count.
    The table is printed when `verbose` is true, and returned.

    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> print(summary(model, (64, 4), verbose=0))  # doctest: +SKIP
    """
    import ember
    meta_model = _meta_copy(model)
    named = list(meta_model.named_modules(remove_duplicate=False))
    first_path = {}
    for path, m in named:
        first_path.setdefault(id(m), path)

    layers, stack, seen, leaf_bytes = [], [], set(), [0]

    def pre_hook(module, args):
        path = first_path[id(module)]
        d = 0 if path == "" else path.count(".") + 1
        row = LayerInfo(path, type(module).__name__, d, recursive=id(module) in seen)
        seen.add(id(module))
        layers.append(row)
        stack.append(row)

    def post_hook(module, args, output):
        row = stack.pop()
        row.output_shape = _shape_of(output)
        if all(name == "parametrizations" for name, _ in module.named_children()):  # a leaf layer
            leaf_bytes[0] += _nbytes(output)

    # a parametrized tensor's ParametrizationList runs on every access: it belongs to its module's row
    inner = _parametrization_paths(named)
    for m in {id(m): m for _, m in named}.values():
        if not (inner and (first_path[id(m)] + ".").startswith(inner)):
            m.register_forward_pre_hook(pre_hook)
            m.register_forward_hook(post_hook)
    args, kwargs = _meta_inputs(input_size, input_data, dtypes)
    with ember.no_grad():
        meta_model(*args, **kwargs)  # a throwaway copy: its hooks go with it

    # counted after the forward, so that lazy modules have their shapes; a row shows its module's own
    # parameters, plus all of its descendants' when they are folded (its depth is the last one shown)
    params = {id(p): p for p in meta_model.parameters()}.values()
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    params_size = sum(p.numel() * p.dtype.itemsize for p in params)
    modules = dict(named)
    for row in layers:
        m = modules[row.path]
        ps = list(m.parameters(recurse=row.depth >= depth))
        if row.depth < depth and "parametrizations" in m._modules:
            ps += list(m._modules["parametrizations"].parameters())
        ps = list({id(p): p for p in ps}.values())
        row.num_params = sum(p.numel() for p in ps)
        row.trainable_params = sum(p.numel() for p in ps if p.requires_grad)
    shown = [row for row in layers if row.depth <= depth]
    input_bytes = _nbytes(list(args) + list(kwargs.values()))
    result = ModelSummary(type(model).__name__, shown, total, trainable, params_size, input_bytes,
                          leaf_bytes[0])
    if verbose:
        print(result)
    return result
