"""ember.autograd.profiler: the legacy profiler API and `record_function`."""
import functools

from ._profiler_events import EventList, FunctionEvent, FunctionEventAvg, Recorder, range_begin, range_end

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "emit_itt", "emit_nvtx", "profile", "record_function"]


class record_function:
    """Label a block (or a decorated function) as a named range in the profile."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self.run_callbacks_on_exit = True
        self._ranges = []

    def __enter__(self):
        self._ranges.append(range_begin(self.name))
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if self.run_callbacks_on_exit and self._ranges:
            range_end(self._ranges.pop())
        return False

    def _call_end_callbacks_on_future(self, fut):
        if self._ranges:
            range_end(self._ranges.pop())
        return fut

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with record_function(self.name, self.args):
                return func(*args, **kwargs)
        return wrapper


class profile:
    """The legacy autograd profiler: `with profile() as prof: ...; print(prof.key_averages().table())`."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None):
        self.enabled = enabled
        self.use_cuda = use_cuda
        self.use_device = "cuda" if use_cuda and use_device is None else use_device
        self.use_cpu = use_cpu
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.record_shapes |= with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.acc_events = acc_events
        self.entered = False
        self.function_events = None
        self._recorder = None
        if not self.use_cpu and not use_kineto:
            raise AssertionError("Legacy CPU profiler requires use_cpu=True")

    def __enter__(self):
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._start_trace()
        return self

    def _prepare_trace(self):
        if self._recorder is None or not self.acc_events:
            self._recorder = Recorder(self.record_shapes, self.with_stack, self.with_modules, self.with_flops)

    def _start_trace(self):
        self._prepare_trace()
        self._recorder.start()

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return False
        self._recorder.stop()
        self.function_events = self._recorder.event_list(use_device=self.use_device,
                                                         profile_memory=self.profile_memory,
                                                         with_flops=self.with_flops)
        self.entered = False
        return False

    def __repr__(self):
        if self.function_events is None:
            return "<unfinished torch.autograd.profile>"
        return repr(self.function_events)

    def __str__(self):
        if self.function_events is None:
            return "<unfinished torch.autograd.profile>"
        return str(self.function_events)

    def _check_finish(self):
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running")

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        self._check_finish()
        return self.function_events.table(sort_by=sort_by, row_limit=row_limit, header=header,
                                          max_name_column_width=max_name_column_width,
                                          max_shapes_column_width=max_shapes_column_width,
                                          top_level_events_only=top_level_events_only)

    table.__doc__ = EventList.table.__doc__

    def export_chrome_trace(self, path):
        self._check_finish()
        return self.function_events.export_chrome_trace(path)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        self._check_finish()
        if not self.with_stack:
            raise AssertionError("export_stacks() requires with_stack=True")
        return self.function_events.export_stacks(path, metric)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        self._check_finish()
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def total_average(self):
        self._check_finish()
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self):
        """Total time spent on the CPU: the sum of every event's self time."""
        self._check_finish()
        return self.function_events.self_cpu_time_total

    def events(self):
        return self.function_events


class _NoOpContext:
    """A context manager that profiles nothing (emit_nvtx / emit_itt have no backend here)."""

    def __init__(self, enabled=True, record_shapes=False):
        self.enabled = enabled
        self.record_shapes = record_shapes

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class emit_nvtx(_NoOpContext):
    pass


class emit_itt(_NoOpContext):
    pass
