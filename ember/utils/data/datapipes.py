"""The DataPipe names of torch.utils.data, kept minimal (PyTorch has deprecated DataPipes)."""
import contextlib
import functools
from typing import TypeVar

from .dataset import Dataset, IterableDataset

__all__ = ["DFIterDataPipe", "DataChunk", "IterDataPipe", "MapDataPipe", "argument_validation",
           "functional_datapipe", "guaranteed_datapipes_determinism", "non_deterministic", "runtime_validation",
           "runtime_validation_disabled"]


_T_co = TypeVar("_T_co", covariant=True)


class IterDataPipe(IterableDataset[_T_co]):
    """An iterable-style DataPipe; `@functional_datapipe(name)` subclasses become chainable methods."""

    functions = {}  # noqa: RUF012 (the registry of functional_datapipe)

    def __getattr__(self, name):
        if name in IterDataPipe.functions:
            return functools.partial(IterDataPipe.functions[name], self)
        raise AttributeError(f"'{self.__class__.__name__}' object has no attribute '{name}'")

    @classmethod
    def register_datapipe_as_function(cls, function_name, cls_to_register):
        cls.functions[function_name] = cls_to_register


class MapDataPipe(Dataset[_T_co]):
    """A map-style DataPipe."""

    functions = {}  # noqa: RUF012

    def __getattr__(self, name):
        if name in MapDataPipe.functions:
            return functools.partial(MapDataPipe.functions[name], self)
        raise AttributeError(f"'{self.__class__.__name__}' object has no attribute '{name}'")

    @classmethod
    def register_datapipe_as_function(cls, function_name, cls_to_register):
        cls.functions[function_name] = cls_to_register


class DFIterDataPipe(IterDataPipe[_T_co]):
    pass


class DataChunk(list):
    """A list that DataPipes pass around as one item."""

    def __init__(self, items):
        super().__init__(items)
        self.items = items

    def as_str(self, indent=""):
        return indent + "[" + ", ".join(str(i) for i in iter(self)) + "]"

    def raw_iterator(self):
        yield from self.items


class functional_datapipe:
    """Class decorator: register a DataPipe class as a method `name` of IterDataPipe / MapDataPipe."""

    def __init__(self, name, enable_df_api_tracing=False):
        self.name = name
        self.enable_df_api_tracing = enable_df_api_tracing

    def __call__(self, cls):
        if issubclass(cls, IterDataPipe):
            IterDataPipe.register_datapipe_as_function(self.name, cls)
        elif issubclass(cls, MapDataPipe):
            MapDataPipe.register_datapipe_as_function(self.name, cls)
        else:
            raise TypeError("`functional_datapipe` can only decorate IterDataPipe or MapDataPipe")
        return cls


_determinism = [False]


class guaranteed_datapipes_determinism(contextlib.ContextDecorator):
    def __enter__(self):
        self.prev = _determinism[0]
        _determinism[0] = True

    def __exit__(self, *exc):
        _determinism[0] = self.prev


def non_deterministic(arg):
    """Mark a DataPipe class as non-deterministic (a no-op marker here)."""
    return arg


def argument_validation(f):
    return f


def runtime_validation(f):
    return f


class runtime_validation_disabled(contextlib.ContextDecorator):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
