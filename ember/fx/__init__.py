"""torch.fx for ember: capture a program as a Graph of Nodes, edit it, and regenerate Python code from it.

    gm = ember.fx.symbolic_trace(model)   # a GraphModule
    print(gm.graph); print(gm.code)

While tracing, the public ember namespaces record calls on Proxies (see
NOTE [ Recording ember function calls ] in _symbolic_trace.py).
"""
from . import _symbolic_trace, graph, graph_module, interpreter, node, proxy, subgraph_rewriter  # noqa: F401
from ._symbolic_trace import PH, ProxyableClassMeta, Tracer, symbolic_trace, wrap
from .graph import CodeGen, Graph
from .graph_module import GraphModule
from .interpreter import Interpreter, Transformer
from .node import Node, has_side_effect, map_arg
from .proxy import Proxy
from .subgraph_rewriter import replace_pattern

__all__ = [
           "PH",
           "CodeGen",
           "Graph",
           "GraphModule",
           "Interpreter",
           "Node",
           "Proxy",
           "ProxyableClassMeta",
           "Tracer",
           "Transformer",
           "has_side_effect",
           "map_arg",
           "replace_pattern",
           "symbolic_trace",
           "wrap",
]
