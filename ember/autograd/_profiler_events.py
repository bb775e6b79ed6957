"""Recording profiler events: primitives (from the registry hooks), record_function ranges and module calls.

NOTE [ Profiler recording ]
While at least one recorder is active, a pre-hook (`registry.PRE_HOOKS`) stamps each primitive's start and
a post-hook in `registry.HOOKS` closes it into a FunctionEvent named like PyTorch's (`aten::mm`, ...).  Ranges
(`record_function`, `nn.Module: Linear_0`, `ProfilerStep#3`) are opened and closed explicitly.  Parents and
self times are derived afterwards from interval nesting per thread, so recording stays a few appends.  When
the last recorder stops, both hooks are removed: no cost when nothing is profiled.
"""
import json
import math
import os
import threading
import time
import traceback
from collections import OrderedDict

from ..ops import registry

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg"]

# ember primitive -> aten name, where they differ beyond the "aten::" prefix
# fmt: off
_ATEN = {
    "to_copy": "_to_copy", "fill": "fill_", "fill_where": "where", "sum_dim": "sum", "div_floor": "div",
    "div_trunc": "div", "getitem_select": "select", "getitem_slice": "slice", "getitem_alias": "alias",
    "getitem_unsqueeze": "unsqueeze", "getitem_index": "index", "softmax": "_softmax", "log_softmax": "_log_softmax",
    "layer_norm": "native_layer_norm", "batch_norm": "native_batch_norm", "convolution": "convolution",
    "conv_transpose": "convolution", "conv_weight": "convolution_backward", "cross_entropy": "cross_entropy_loss",
    "nll_loss": "nll_loss_nd", "linalg_vector_norm": "linalg_vector_norm", "take_flat": "take", "put_add_flat": "put_",
    "median_all": "median", "topk_indices": "topk", "mode_indices": "mode", "cummax_indices": "cummax",
    "cummin_indices": "cummin", "inv_nan": "reciprocal", "nan_to_zero": "nan_to_num", "copy_slices": "copy_",
    "max_pool": "max_pool2d_with_indices", "avg_pool": "avg_pool2d", "adaptive_max_pool": "adaptive_max_pool2d",
    "index_grad": "index_put_", "segment_sum": "segment_reduce", "sigmoid_backward": "sigmoid_backward",
}
# fmt: on


def aten_name(op, args):
    name = op.name
    if name == "matmul":
        a = args[0]
        return "aten::mm" if getattr(a, "ndim", 2) <= 2 else "aten::bmm"
    return "aten::" + _ATEN.get(name, name)


def _now_us():
    return time.perf_counter_ns() / 1000.0


def _shape(a):
    from .._tensor import Tensor
    if isinstance(a, Tensor):
        return list(a.shape)
    if isinstance(a, (list, tuple)) and a and all(isinstance(x, Tensor) for x in a):
        return [list(x.shape) for x in a]
    return []


def _dtype_name(a):
    from .._tensor import Tensor
    if isinstance(a, Tensor):
        return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "bool": "bool",
                "bfloat16": "c10::BFloat16", "float16": "c10::Half"}.get(str(a.dtype)[6:], str(a.dtype)[6:])
    return "Scalar" if isinstance(a, (int, float, bool)) else ""


def _format_time(time_us):
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_share(time_us, total_time_us):
    if total_time_us == 0:
        return "NaN" if time_us == 0 else "inf"
    return f"{time_us * 100.0 / total_time_us:.2f}%"


class _Interval:
    __slots__ = ("end", "start")

    def __init__(self, start, end):
        self.start, self.end = start, end

    def elapsed_us(self):
        return self.end - self.start


class FunctionEvent:
    """One profiled range: a primitive, a record_function block or a module call."""

    def __init__(self, id, name, thread, start_us, end_us, input_shapes=None, input_dtypes=None, stack=None,
                 scope=0, is_user_annotation=False, cat="cpu_op", sequence_nr=-1, flops=None):
        self.id = id
        self.trace_name = name
        self.name = "ProfilerStep*" if name.startswith("ProfilerStep#") else name  # one key for all steps
        self.thread = thread
        self.fwd_thread = thread
        self.time_range = _Interval(start_us, end_us)
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.input_dtypes = input_dtypes if input_dtypes is not None else []
        self.stack = stack if stack is not None else []
        self.scope = scope
        self.is_user_annotation = is_user_annotation
        self.cat = cat
        self.sequence_nr = sequence_nr
        self.flops = flops
        self.cpu_children = []
        self.cpu_parent = None
        self.count = 1
        self.node_id = -1
        self.is_async = False
        self.is_remote = False
        self.is_legacy = False
        self.overload_name = ""
        self.device_type = "CPU"
        self.cpu_memory_usage = 0
        self.device_memory_usage = 0
        self.kernels = []

    key = property(lambda self: self.name)
    cpu_time_total = property(lambda self: self.time_range.elapsed_us())
    cpu_time = cpu_time_total
    self_cpu_time_total = property(
        lambda self: self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children))
    device_time_total = self_device_time_total = cuda_time_total = self_cuda_time_total = property(lambda self: 0.0)
    self_cpu_memory_usage = property(lambda self: 0)
    cpu_time_str = property(lambda self: _format_time(self.cpu_time))
    cpu_time_total_str = property(lambda self: _format_time(self.cpu_time_total))
    self_cpu_time_total_str = property(lambda self: _format_time(self.self_cpu_time_total))

    def append_cpu_child(self, child):
        self.cpu_children.append(child)

    def set_cpu_parent(self, parent):
        self.cpu_parent = parent

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} device_type={self.device_type} "
                f"cpu_time={self.cpu_time_str} start_us={self.time_range.start:.3f} "
                f"end_us={self.time_range.end:.3f} cpu_children={[c.id for c in self.cpu_children]} "
                f"thread={self.thread} input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """Events sharing a key (name, and input shapes / stack when grouping by them), summed."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.node_id = 0
        self.is_async = False
        self.is_remote = False
        self.is_legacy = False
        self.is_user_annotation = False
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.device_time_total = self.self_device_time_total = 0.0
        self.cuda_time_total = self.self_cuda_time_total = 0.0
        self.input_shapes = None
        self.stack = None
        self.scope = None
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.device_memory_usage = self.self_device_memory_usage = 0
        self.cpu_parent = None
        self.device_type = "CPU"
        self.overload_name = ""
        self.flops = 0

    def add(self, other):
        if self.key is None:
            self.key = other.key
            self.node_id = other.node_id
            self.input_shapes = other.input_shapes
            self.stack = other.stack
            self.scope = other.scope
            self.cpu_parent = other.cpu_parent
            self.is_user_annotation = other.is_user_annotation
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.count += other.count
        self.flops += other.flops or 0
        return self

    __iadd__ = add
    cpu_time = property(lambda self: 0.0 if self.count == 0 else self.cpu_time_total / self.count)
    device_time = cuda_time = property(lambda self: 0.0)

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={_format_time(self.self_cpu_time_total)} "
                f"cpu_time={_format_time(self.cpu_time)} input_shapes={self.input_shapes}>")


class EventList(list):
    """A list of FunctionEvents with PyTorch's reporting helpers."""

    def __init__(self, *args, use_device=None, profile_memory=False, with_flops=False):
        super().__init__(*args)
        self._use_device = use_device
        self._profile_memory = profile_memory
        self._with_flops = with_flops

    def _build_tree(self):
        _build_tree(self)

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        return _build_table(self, sort_by=sort_by, row_limit=row_limit, header=header,
                            max_name_column_width=max_name_column_width,
                            max_shapes_column_width=max_shapes_column_width,
                            top_level_events_only=top_level_events_only)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path):
        """Write the events as Chrome trace JSON (chrome://tracing, Perfetto)."""
        events = []
        for e in self:
            if isinstance(e, FunctionEventAvg):
                continue
            ev = {"ph": "X", "cat": e.cat, "name": e.trace_name, "pid": os.getpid(), "tid": e.thread,
                  "ts": e.time_range.start, "dur": e.time_range.elapsed_us(), "args": {}}
            if e.input_shapes:
                ev["args"]["Input Dims"] = e.input_shapes
                ev["args"]["Input type"] = e.input_dtypes
            if e.sequence_nr >= 0:
                ev["args"]["Sequence number"] = e.sequence_nr
            events.append(ev)
        trace = {"schemaVersion": 1, "deviceProperties": [], "traceEvents": events,
                 "traceName": path, "displayTimeUnit": "ms"}
        with open(path, "w") as f:
            json.dump(trace, f)
        return path

    def export_stacks(self, path, metric="self_cpu_time_total"):
        """One `frame;frame;...;name value` line per event that has a stack (flamegraph.pl's input)."""
        with open(path, "w") as f:
            for e in self:
                if e.stack:
                    f.write(";".join(reversed(e.stack)) + ";" + e.name + " " + str(int(getattr(e, metric))) + "\n")

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0, group_by_overload_name=False):
        stats = OrderedDict()
        for e in self:
            key = (e.key, e.node_id)
            if group_by_input_shapes:
                key += (str(e.input_shapes),)
            if group_by_stack_n > 0:
                key += tuple(e.stack[:group_by_stack_n])
            stats.setdefault(key, FunctionEventAvg()).add(e)
        out = EventList(stats.values(), use_device=self._use_device, profile_memory=self._profile_memory,
                        with_flops=self._with_flops)
        for avg in out:
            if group_by_stack_n > 0 and avg.stack:
                avg.stack = avg.stack[:group_by_stack_n]
            if not group_by_input_shapes:
                avg.input_shapes = ""
        return out

    def total_average(self):
        total = FunctionEventAvg()
        for e in self:
            total.add(e)
        total.key = "Total"
        return total


def _build_tree(events):
    """Assign parents/children by interval nesting within each thread (events are complete)."""
    by_thread = {}
    for e in events:
        by_thread.setdefault(e.thread, []).append(e)
    for evts in by_thread.values():
        evts.sort(key=lambda e: (e.time_range.start, -e.time_range.end, e.id))
        stack = []
        for e in evts:
            while stack and stack[-1].time_range.end <= e.time_range.start:
                stack.pop()
            if stack and e.time_range.end <= stack[-1].time_range.end:
                e.set_cpu_parent(stack[-1])
                stack[-1].append_cpu_child(e)
            stack.append(e)


def _build_table(events, sort_by=None, header=None, row_limit=100, max_name_column_width=55,
                 max_shapes_column_width=80, top_level_events_only=False):
    if len(events) == 0:
        return ""
    has_input_shapes = any(e.input_shapes for e in events)
    if sort_by is not None:
        events = EventList(sorted(events, key=lambda e: getattr(e, sort_by), reverse=True),
                           with_flops=getattr(events, "_with_flops", False))
    name_w = max(len(e.key) for e in events) + 4
    if max_name_column_width is not None:
        name_w = min(name_w, max_name_column_width)
    shapes_w = max(len(str(e.input_shapes)) for e in events) + 4
    if max_shapes_column_width is not None:
        shapes_w = min(shapes_w, max_shapes_column_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    widths = [name_w] + [12] * 6
    if has_input_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_w)
    raw_flops = [e.flops for e in events if e.flops] if getattr(events, "_with_flops", False) else []
    if raw_flops:
        units = ["FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs"]
        log = int(max(0, min(math.log10(min(raw_flops)) / 3, len(units) - 1)))
        flops_scale = 10.0 ** (-3 * log)
        headers.append(f"Total {units[log]}")
        widths.append(12)
    row_format = "".join("{: >" + str(w) + "}  " for w in widths)
    sep = "".join("-" * w + "  " for w in widths)
    lines = []
    if header is not None:
        lines += ["=" * (sum(widths) + 2 * (len(widths) - 1)), header]
    lines += [sep, row_format.format(*headers), sep]
    self_total = sum(e.self_cpu_time_total for e in events)
    rows = 0
    for e in events:
        if row_limit is not None and rows == row_limit:
            break
        if top_level_events_only and e.cpu_parent is not None:
            continue
        rows += 1
        name = e.key
        if len(name) >= name_w - 3:
            name = name[:name_w - 3] + "..."
        row = [name, _format_time_share(e.self_cpu_time_total, self_total), _format_time(e.self_cpu_time_total),
               _format_time_share(e.cpu_time_total, self_total), _format_time(e.cpu_time_total),
               _format_time(e.cpu_time), e.count]
        if has_input_shapes:
            row.append(str(e.input_shapes)[:shapes_w])
        if raw_flops:
            row.append(f"{e.flops * flops_scale:8.3f}" if e.flops else "--")
        lines.append(row_format.format(*row))
    lines.append(sep)
    lines.append(f"Self CPU time total: {_format_time(self_total)}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# the recorders

_lock = threading.Lock()
_active = []          # recorders currently collecting
_starts = threading.local()
_next_id = [0]


def _stack_of():
    return _starts.__dict__.setdefault("stack", [])


def _pre(op, args, attrs):
    _stack_of().append((op, _now_us()))


def _post(op, args, attrs, result):
    end = _now_us()
    stack = _stack_of()
    start = None
    while stack:  # pop to this op's entry (an op that raised left its own behind)
        o, t = stack.pop()
        if o is op:
            start = t
            break
    if start is None:
        return
    name = aten_name(op, args)
    for r in _active:
        r._add(name, start, end, args, op, attrs, result)


def _new_id():
    _next_id[0] += 1
    return _next_id[0]


class Recorder:
    """Collects events between start() and stop() (one per profiling cycle)."""

    def __init__(self, record_shapes=False, with_stack=False, with_modules=False, with_flops=False):
        self.with_flops = with_flops
        self.record_shapes = record_shapes
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.events = []
        self._module_handles = []
        self._module_counts = {}
        self._module_open = {}

    def _add(self, name, start, end, args, op, attrs, result):
        shapes = dtypes = None
        if self.record_shapes:
            shapes = [_shape(a) for a in args]
            dtypes = [_dtype_name(a) for a in args]
        stack = _python_stack() if self.with_stack else None
        flops = _flops(op, args, attrs, result) if self.with_flops else 0
        self.events.append(FunctionEvent(_new_id(), name, threading.get_ident(), start, end, shapes, dtypes, stack,
                                         flops=flops))

    def add_range(self, name, start, end, cat="user_annotation"):
        stack = _python_stack() if self.with_stack else None
        self.events.append(FunctionEvent(_new_id(), name, threading.get_ident(), start, end, stack=stack,
                                         is_user_annotation=cat == "user_annotation", cat=cat))

    def start(self):
        from ..amp import _prehooks
        with _lock:
            if not _active:
                _prehooks.add(_pre)
                registry.HOOKS.append(_post)
            _active.append(self)
        if self.with_modules:
            from ..nn.modules import module as M
            self._module_handles = [M.register_module_forward_pre_hook(self._module_pre),
                                    M.register_module_forward_hook(self._module_post)]

    def stop(self):
        from ..amp import _prehooks
        for h in self._module_handles:
            h.remove()
        self._module_handles = []
        with _lock:
            if self in _active:
                _active.remove(self)
            if not _active:
                _prehooks.remove(_pre)
                if _post in registry.HOOKS:
                    registry.HOOKS.remove(_post)
                _stack_of().clear()

    def _module_pre(self, module, args):
        cls = type(module).__name__
        if id(module) not in self._module_counts:
            n = sum(1 for c in self._module_counts.values() if c[0] == cls)
            self._module_counts[id(module)] = (cls, f"nn.Module: {cls}_{n}")
        self._module_open.setdefault(id(module), []).append(_now_us())

    def _module_post(self, module, args, output):
        starts = self._module_open.get(id(module))
        if starts:
            self.add_range(self._module_counts[id(module)][1], starts.pop(), _now_us(), cat="python_function")

    def event_list(self, **kw):
        events = EventList(sorted(self.events, key=lambda e: (e.time_range.start, -e.time_range.end)), **kw)
        _build_tree(events)
        return events


def _flops(op, args, attrs, result):
    """2 x multiply-adds for the GEMM/conv primitives, as PyTorch's with_flops counts them; 0 for the rest."""
    name = op.name
    if name == "matmul":
        a = args[0].shape
        return 2 * result.numel() * (a[-2] if attrs.get("ta") else a[-1])
    if name == "linear":
        w = args[1].shape
        return 2 * result.numel() * w[-1]
    if name == "convolution":
        return 2 * result.numel() * math.prod(args[1].shape[1:])
    return 0


def _python_stack():
    """The user's Python frames (innermost first), as `file(line): function`, without ember's own."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames = []
    for f in reversed(traceback.extract_stack()[:-1]):
        if f.filename.startswith(here):
            continue
        frames.append(f"{f.filename}({f.lineno}): {f.name}")
    return frames


# record_function ranges go to every active recorder
class _Range:
    __slots__ = ("name", "start")


def range_begin(name):
    r = _Range()
    r.name, r.start = name, _now_us()
    return r


def range_end(r):
    end = _now_us()
    for rec in _active:
        rec.add_range(r.name, r.start, end)
