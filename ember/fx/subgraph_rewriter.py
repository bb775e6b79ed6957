"""Subgraph rewriting: find every copy of a pattern in a graph and splice a replacement in its place."""
import copy
from dataclasses import dataclass, field
from typing import NamedTuple

from .. import nn
from .._tensor import Tensor
from ._symbolic_trace import symbolic_trace
from .graph import Graph
from .graph_module import GraphModule
from .node import Node

__all__ = ["Match", "ReplacedPatterns", "replace_pattern", "replace_pattern_with_filters"]


class Match(NamedTuple):
    anchor: Node  # the node the match was found from
    nodes_map: dict  # pattern node -> graph node


@dataclass
class ReplacedPatterns:
    anchor: Node
    nodes_map: dict
    replacements: list


@dataclass
class InternalMatch:
    anchors: list
    nodes_map: dict = field(default_factory=dict)
    placeholder_nodes: list = field(default_factory=list)
    returning_nodes: list = field(default_factory=list)
    name_node_map: dict = field(default_factory=dict)

    def __copy__(self):
        return InternalMatch(anchors=self.anchors, nodes_map=self.nodes_map.copy(),
                             placeholder_nodes=self.placeholder_nodes.copy(),
                             returning_nodes=self.returning_nodes.copy())


class SubgraphMatcher:
    """Finds self-contained copies of a pattern graph, walking use-def edges backwards from its outputs.

    Pattern placeholders are wildcards (they match any value); the pattern's output node is not matched.
    """

    def __init__(self, pattern, match_output=False, match_placeholder=False, remove_overlapping_matches=True,
                 ignore_literals=False):
        self.pattern = pattern
        self.match_output = match_output
        self.match_placeholder = match_placeholder
        self.remove_overlapping_matches = remove_overlapping_matches
        self.ignore_literals = ignore_literals
        if len(pattern.nodes) == 0:
            raise ValueError("SubgraphMatcher cannot be initialized with an empty pattern")
        for node in pattern.nodes:
            if node.op != "output" and not node.is_impure() and len(node.users) == 0:
                raise AssertionError("SubgraphMatcher cannot be initialized with an pattern with dead code")
        self.pattern_placeholder_nodes = [n for n in pattern.nodes if n.op == "placeholder"]
        output_node = next(iter(reversed(pattern.nodes)))
        self.pattern_returning_nodes = output_node.all_input_nodes
        if match_output:
            self.pattern_anchors = [output_node]
        else:
            self.pattern_anchors = [n for n in output_node.all_input_nodes if len(n.users) == 1]

    def _nodes_are_equal(self, pn, gn):
        if not self.match_placeholder and pn.op == "placeholder":
            return True
        if pn.op != gn.op:
            return False
        if pn.op in ("placeholder", "output"):
            return True
        if pn.op == "get_attr":
            pv = _get_attr(pn.graph.owning_module, pn.target)
            gv = _get_attr(gn.graph.owning_module, gn.target)
            return type(pv) is type(gv) and isinstance(pv, Tensor)
        return pn.target == gn.target

    def _match_literals(self, pn, gn, match):
        if isinstance(pn, Node):
            if pn.op == "placeholder":
                return match.nodes_map.setdefault(pn, gn) == gn
            return False
        if isinstance(gn, Node):
            return False
        return type(gn) is type(pn) and gn == pn

    def _match_nodes(self, pn, gn, match):
        if pn in match.nodes_map:
            return match.nodes_map[pn] == gn
        if gn in match.nodes_map.values() or not self._nodes_are_equal(pn, gn):
            return False
        match.nodes_map[pn] = gn
        if pn.op == "placeholder":
            return True
        if len(pn.args) != len(gn.args) or list(pn.kwargs) != list(gn.kwargs):
            return False
        return self._match_args([*pn.args, *pn.kwargs.values()], [*gn.args, *gn.kwargs.values()], match)

    def _match_args(self, args1, args2, match):
        if len(args1) != len(args2):
            return False
        for a1, a2 in zip(args1, args2):
            if isinstance(a1, Node) and isinstance(a2, Node):
                matched = self._match_nodes(a1, a2, match)
            elif isinstance(a1, (list, tuple)) and isinstance(a2, (list, tuple)):
                matched = self._match_args(a1, a2, match)
            else:
                matched = self._match_literals(a1, a2, match) or self.ignore_literals
            if not matched:
                return False
        return True

    def _is_contained(self, nodes_map):
        # matched inner nodes may only be used inside the match (else erasing them would break the graph)
        lookup = {gn: pn for pn, gn in nodes_map.items() if pn.op != "placeholder"}
        return all(pn in self.pattern_returning_nodes or all(user in lookup for user in gn.users)
                   for gn, pn in lookup.items())

    def match(self, graph, node_name_match=""):
        """The matches of the pattern in graph, in graph order of the first anchor."""
        candidates = [(anchor, [n for n in graph.nodes if self._nodes_are_equal(anchor, n)])
                      for anchor in self.pattern_anchors]
        matches = []

        def backtracking(anchor_index, match):
            if anchor_index == len(candidates):
                match.placeholder_nodes = [match.nodes_map[pn] for pn in self.pattern_placeholder_nodes]
                match.returning_nodes = [match.nodes_map[pn] for pn in self.pattern_returning_nodes]
                matches.append(match)
                return
            pattern_anchor, candidate_nodes = candidates[anchor_index]
            for node in candidate_nodes:
                attempt = copy.copy(match)
                if self._match_nodes(pattern_anchor, node, attempt):
                    backtracking(anchor_index + 1, attempt)

        if candidates:
            backtracking(0, InternalMatch(anchors=self.pattern_anchors))
        matches = [m for m in matches if self._is_contained(m.nodes_map)]
        if self.remove_overlapping_matches:
            kept, taken = [], set()
            for m in matches:
                inner = [gn for pn, gn in m.nodes_map.items() if pn.op not in ("placeholder", "output")]
                if not any(gn in taken for gn in inner):
                    kept.append(m)
                    taken.update(inner)
            matches = kept
        return matches


def _get_attr(model, target):
    obj = model
    for atom in target.split("."):
        obj = getattr(obj, atom)
    return obj


def _replace_attributes(gm, replacement):
    """Copy into gm the submodules and attributes that the spliced-in replacement nodes refer to."""
    gm.delete_all_unused_submodules()
    if isinstance(replacement, GraphModule):
        replacement.graph.lint()

    def try_get_attr(mod, target):
        module_path, _, attr_name = target.rpartition(".")
        try:
            mod = mod.get_submodule(module_path)
        except AttributeError:
            return None
        return getattr(mod, attr_name, None)

    for node in gm.graph.nodes:
        if node.op in ("call_module", "get_attr"):
            if try_get_attr(gm, node.target) is not None:
                continue
            replacement_attr = try_get_attr(replacement, node.target)
            if replacement_attr is None:
                raise RuntimeError('Attempted to create a "', node.op, '" node during subgraph rewriting '
                                   f"with target {node.target}, but the referenced attribute does not "
                                   "exist in the replacement GraphModule")
            new_attr = copy.deepcopy(replacement_attr)
            if isinstance(replacement_attr, nn.Module):
                gm.add_submodule(node.target, new_attr)
            else:
                setattr(gm, node.target, new_attr)
    gm.graph.lint()


def replace_pattern(gm, pattern, replacement):
    """Replace every non-overlapping match of `pattern` in gm's graph by `replacement`; returns the matches.

    pattern and replacement are functions (traced here) or GraphModules with the same parameters;
    matching follows use-def edges, not names.  gm is recompiled.
    """
    return [Match(anchor=m.anchor, nodes_map=m.nodes_map) for m in _replace_pattern(gm, pattern, replacement)]


def replace_pattern_with_filters(gm, pattern, replacement=None, match_filters=None, ignore_literals=False,
                                 replacement_callback=None, node_name_match=""):
    """replace_pattern keeping only matches that every match_filter(match, graph, pattern_graph) accepts."""
    return _replace_pattern(gm, pattern, replacement, match_filters, ignore_literals, replacement_callback)


def _as_graph(fn_or_graph):
    if isinstance(fn_or_graph, GraphModule):
        return fn_or_graph.graph
    if isinstance(fn_or_graph, Graph):
        return fn_or_graph
    return symbolic_trace(fn_or_graph).graph


def _replace_pattern(gm, pattern, replacement=None, match_filters=None, ignore_literals=False,
                     replacement_callback=None):
    original_graph = gm.graph
    pattern_graph = _as_graph(pattern)
    matcher = SubgraphMatcher(pattern_graph, match_output=False, match_placeholder=False,
                              remove_overlapping_matches=True, ignore_literals=ignore_literals)
    matches = [m for m in matcher.match(original_graph)
               if all(f(m, original_graph, pattern_graph) for f in match_filters or ())]
    if replacement is not None:
        common_replacement_graph = _as_graph(replacement)
    elif replacement_callback is None:
        raise AssertionError("Must provide either a replacement GraphModule or a replacement callback")

    match_changed_node = {}  # returning node of an earlier match -> the node that replaced it
    results = []
    for match in matches:
        replacement_graph = (replacement_callback(match, original_graph, pattern_graph) if replacement_callback
                             else common_replacement_graph)
        replacement_placeholders = [n for n in replacement_graph.nodes if n.op == "placeholder"]
        if len(match.placeholder_nodes) != len(replacement_placeholders):
            raise AssertionError(f"Placeholder count mismatch: {len(match.placeholder_nodes)} vs "
                                 f"{len(replacement_placeholders)}")
        val_map = {}
        for rn, gn in zip(replacement_placeholders, match.placeholder_nodes):
            if isinstance(gn, Node):
                val_map[rn] = match_changed_node.get(gn, gn)
                if gn is not val_map[rn]:  # an input was itself replaced by an earlier match
                    match.placeholder_nodes[match.placeholder_nodes.index(gn)] = val_map[rn]
                    for pn, mapped in match.nodes_map.items():
                        if mapped is gn:
                            match.nodes_map[pn] = val_map[rn]
                            break
            else:
                val_map[rn] = gn

        # insert before the first user of the match's results (or after its last node)
        user_nodes = set()
        for n in match.returning_nodes:
            user_nodes.update(n.users)
        insert_point = next((n for n in original_graph.nodes if n in user_nodes), None)
        if insert_point is None:
            next_node = None
            for n in reversed(original_graph.nodes):
                if n in match.returning_nodes:
                    insert_point = next_node
                    break
                next_node = n
        if insert_point is None:
            raise AssertionError("The insert point can't be None")
        with original_graph.inserting_before(insert_point):
            copied_returning_nodes = original_graph.graph_copy(replacement_graph, val_map)
        if isinstance(copied_returning_nodes, Node):
            copied_returning_nodes = (copied_returning_nodes,)
        replacement_nodes = [v for v in val_map.values() if v not in match.placeholder_nodes]
        if len(match.returning_nodes) != len(copied_returning_nodes):
            raise AssertionError(f"Returning nodes count mismatch: {len(match.returning_nodes)} vs "
                                 f"{len(copied_returning_nodes)}")
        for gn, copied_node in zip(match.returning_nodes, copied_returning_nodes):
            gn.replace_all_uses_with(copied_node)
            match_changed_node[gn] = copied_node
        for node in reversed(pattern_graph.nodes):
            if node.op not in ("placeholder", "output"):
                original_graph.erase_node(match.nodes_map[node])
        results.append(ReplacedPatterns(anchor=match.anchors[0], nodes_map=match.nodes_map,
                                        replacements=replacement_nodes))
    gm.recompile()
    if isinstance(replacement, nn.Module):
        _replace_attributes(gm, replacement)
    return results
