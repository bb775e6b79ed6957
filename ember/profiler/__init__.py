"""ember.profiler: PyTorch's profiler API over ember's primitive hooks (CPU activity only)."""
from .profiler import (
                       DeviceType,
                       ProfilerAction,
                       ProfilerActivity,
                       kineto_available,
                       profile,
                       record_function,
                       schedule,
                       supported_activities,
                       tensorboard_trace_handler,
)

__all__ = [
                       "DeviceType",
                       "ProfilerAction",
                       "ProfilerActivity",
                       "kineto_available",
                       "profile",
                       "record_function",
                       "schedule",
                       "supported_activities",
                       "tensorboard_trace_handler",
]
