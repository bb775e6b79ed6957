"""ShapeProp: run a GraphModule on sample inputs and record each node's tensor metadata in node.meta."""
from typing import NamedTuple

from ... import _layout
from ..._tensor import Tensor
from ..interpreter import Interpreter
from ..node import map_aggregate

__all__ = ["ShapeProp", "TensorMetadata"]


class TensorMetadata(NamedTuple):
    shape: object
    dtype: object
    requires_grad: bool
    stride: tuple
    memory_format: object
    is_quantized: bool
    qparams: dict


def _extract_tensor_metadata(result, include_contiguity=True):
    memory_format = None
    if include_contiguity:
        for query_format in (_layout.contiguous_format, _layout.channels_last, _layout.channels_last_3d):
            try:
                if result.is_contiguous(memory_format=query_format):
                    memory_format = query_format
                    break
            except (RuntimeError, ValueError):
                continue  # channels_last of a tensor with the wrong rank
    return TensorMetadata(result.shape, result.dtype, result.requires_grad, result.stride(), memory_format,
                          False, {})


class ShapeProp(Interpreter):
    """Runs the graph on sample inputs, storing `tensor_meta` (TensorMetadata) and `type` in each node's meta.

    >>> ShapeProp(gm).propagate(torch.randn(50, 1000))  # doctest: +SKIP
    >>> gm.graph.nodes[...].meta["tensor_meta"].shape  # doctest: +SKIP
    """

    def __init__(self, gm, fake_mode=None):
        super().__init__(gm)
        self.fake_module = None
        self.fake_mode = None
        self.real_module = self.module

    def run_node(self, n):
        try:
            result = super().run_node(n)
        except Exception as e:
            raise RuntimeError(f"ShapeProp error for: node={n.format_node()} with meta={n.meta}") from e
        found_tensor = False

        def extract_tensor_meta(obj):
            nonlocal found_tensor
            if isinstance(obj, Tensor):
                found_tensor = True
                return _extract_tensor_metadata(obj)
            return obj

        meta = map_aggregate(result, extract_tensor_meta)
        if found_tensor:
            n.meta["tensor_meta"] = meta
        n.meta["type"] = type(result)
        return result

    def propagate(self, *args):
        """Run the module on args, recording shapes; returns its output."""
        return super().run(*args)
