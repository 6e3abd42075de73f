"""Expression trees: the form in which derived formulas are cached, printed and evaluated (numpy only).

A tree is JSON made of lists whose first item names the node:

==========================  =====================================================================
``["num", p, q]``           the rational number p/q (``q`` ≥ 1; both bounded)
``["sym", name]``           a plain symbol: ``N`` (the sample count) or a parameter of one element
``["idx", base, i, …]``     a tensor element such as ``l1[n, j]``; the indices are index letters
``["add", t, …]``           a sum, terms in printing order
``["mul", f, …]``           a product, factors in printing order (a number, if any, first)
``["pow", b, ["num", k, 1]]``  an integer power (``k`` ≠ 0, 1; bounded)
``["step", t]``             the unit step ``[t > 0]``: relu's derivative, with relu'(0) = 0
==========================  =====================================================================

The derivation cache stores only these nodes. ``validate`` checks an entry read from disk before
anything else touches it: node types, names (only nntrace's own tensor names and index letters, so
nothing from a file can become markup), the indices each tensor takes, bounded numbers, depth and
size, and the canonical form sympy writes (no ``0`` terms, no ``1`` factors, no repeated terms).
``evaluate`` computes a tree on numpy arrays.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

import numpy as np

Tree = list
KINDS = ("num", "sym", "idx", "add", "mul", "pow", "step")
MAX_NUMBER = 10**6
MAX_EXPONENT = 16
MAX_DEPTH = 24
MAX_NODES = 4000
MAX_ARGS = 64
SAMPLE = "n"
LETTERS = ("i", "j", "k", "m", "p", "q", "r", "s", "t", "u", "v")
_TENSOR = re.compile(r"^(?:x|y|[lwb](?:0|[1-9][0-9]?))$")
_LETTER = re.compile(r"^(?:[ijkmpqrstuvn]|i_(?:0|[1-9][0-9]?))$")


class TreeError(ValueError):
    """A tree (from the cache) is malformed, out of bounds, or not in canonical form."""


def layer_letters(layers: tuple[int, ...]) -> list[str | None]:
    """One index letter per layer (``None`` for a layer of width 1, which needs no index)."""
    names = [LETTERS[k] if k < len(LETTERS) else f"i_{k}" for k in range(len(layers))]
    return [name if width > 1 else None for name, width in zip(names, layers)]


def leaf_axes(base: str, plan: list, sample: Any = SAMPLE) -> list:
    """For each axis of the tensor behind ``base``, its index letter (``None``: width 1);
    ``sample`` stands for the sample axis (a sympy symbol in ``tracer.symbolic.chain``)."""
    if base == "x":
        return [sample, plan[0]]
    if base == "y":
        return [sample, plan[-1]]
    kind, k = base[0], int(base[1:])
    if kind == "l":
        return [sample, plan[k]]
    if kind == "w":
        return [plan[k], plan[k + 1]]
    return [plan[k + 1]]


def leaf(base: str, plan: list | None = None, indices: list | None = None) -> Tree:
    """The tree of one tensor element, its indices from ``plan`` (or given); a plain symbol when
    no index is left."""
    kept = [a for a in (leaf_axes(base, plan) if indices is None else indices) if a is not None]
    return ["idx", base, *kept] if kept else ["sym", base]


def num(p: int, q: int = 1) -> Tree:
    return ["num", p, q]


def is_num(tree: Any, p: int | None = None, q: int = 1) -> bool:
    return isinstance(tree, list) and tree[:1] == ["num"] and (p is None or tree[1:] == [p, q])


# -- validation ------------------------------------------------------------------------------------

def validate(tree: Any, network, plan: list) -> Tree:
    """``tree`` itself if it is a well-formed, bounded, canonical tree over ``network``'s tensors.

    Raises ``TreeError`` naming the first problem (never echoing more than a short excerpt).
    """
    count = [0]
    _check(tree, network, plan, 0, count)
    return tree


def _check(tree: Any, network, plan: list, depth: int, count: list) -> None:
    count[0] += 1
    if depth > MAX_DEPTH or count[0] > MAX_NODES:
        raise TreeError(f"expression deeper than {MAX_DEPTH} or larger than {MAX_NODES} nodes")
    if not isinstance(tree, list) or not tree or tree[0] not in KINDS:
        raise TreeError(f"a node that is not one of {', '.join(KINDS)}")
    kind, args = tree[0], tree[1:]
    if kind == "num":
        _check_number(args)
    elif kind in ("sym", "idx"):
        _check_leaf(kind, args, network, plan)
    elif kind == "pow":
        if len(args) != 2 or not is_num(args[1]) or args[1][2] != 1 or args[1][1] in (0, 1) \
                or abs(args[1][1]) > MAX_EXPONENT:
            raise TreeError(f"a power needs an integer exponent from -{MAX_EXPONENT} to {MAX_EXPONENT} other than 0, 1")
        _check_number(args[1][1:])
        _check(args[0], network, plan, depth + 1, count)
    elif kind == "step":
        if len(args) != 1:
            raise TreeError("a step takes one argument")
        _check(args[0], network, plan, depth + 1, count)
    else:
        _check_operation(kind, args)
        for arg in args:
            _check(arg, network, plan, depth + 1, count)


def _check_number(args: list) -> None:
    if len(args) != 2 or not all(type(v) is int for v in args) or not args[1] >= 1 \
            or not all(abs(v) <= MAX_NUMBER for v in args):
        raise TreeError(f"a number is [\"num\", p, q] with integers |p|, q ≤ {MAX_NUMBER}, q ≥ 1")


def _check_leaf(kind: str, args: list, network, plan: list) -> None:
    base = args[0] if args else None
    if not isinstance(base, str) or (base != "N" or kind != "sym") and not _TENSOR.match(base):
        raise TreeError("a name that is not one of nntrace's tensors (x, y, l<k>, w<k>, b<k>, N)")
    if base == "N":
        return
    k = int(base[1:]) if base[1:] else 0
    if base[0] == "l" and not 0 < k <= network.depth or base[0] in "wb" and not k < network.depth \
            or base[0] == "b" and network.bias == "none":
        raise TreeError(f"tensor {base!r} does not exist in this network")
    expected = [a for a in leaf_axes(base, plan) if a is not None]
    given = list(args[1:])
    if not all(isinstance(a, str) and _LETTER.match(a) for a in given) or given != expected \
            or (kind == "sym") != (not expected):
        raise TreeError(f"tensor {base!r} with indices other than {expected}")


def _check_operation(kind: str, args: list) -> None:
    if not 2 <= len(args) <= MAX_ARGS:
        raise TreeError(f"{kind} takes 2 to {MAX_ARGS} arguments")
    keys = []
    for position, arg in enumerate(args):
        if isinstance(arg, list) and arg[:1] == [kind]:
            raise TreeError(f"nested {kind} (sympy flattens them)")
        if is_num(arg):
            if (kind == "add" and arg[1] == 0) or (kind == "mul" and (position or arg[1:] in ([0, 1], [1, 1]))):
                raise TreeError(f"a number in a {kind} must come first and change it")
            continue
        keys.append(json.dumps(_without_coefficient(arg) if kind == "add" else _base(arg)))
    if len(set(keys)) != len(keys):
        raise TreeError(f"repeated {'terms' if kind == 'add' else 'factors'} (sympy combines them)")


def _without_coefficient(tree: Any) -> Any:
    if isinstance(tree, list) and tree[:1] == ["mul"] and len(tree) > 2 and is_num(tree[1]):
        return tree[2] if len(tree) == 3 else ["mul", *tree[2:]]
    return tree


def _base(tree: Any) -> Any:
    return tree[1] if isinstance(tree, list) and tree[:1] == ["pow"] and len(tree) == 3 else tree


# -- structure and evaluation -----------------------------------------------------------------------

def leaves(tree: Tree) -> list[Tree]:
    """The distinct tensor elements and symbols of ``tree``, in order of first appearance."""
    found: list[Tree] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if node[0] in ("sym", "idx"):
            if node not in found:
                found.append(node)
        elif node[0] != "num":
            stack.extend(reversed(node[1:]))
    return found


def evaluate(tree: Tree, value_of: Callable[[Tree], Any]) -> Any:
    """The value of ``tree`` with numpy broadcasting; ``value_of(leaf)`` gives each leaf's array."""
    kind = tree[0]
    if kind == "num":
        return tree[1] / tree[2] if tree[2] != 1 else float(tree[1])
    if kind in ("sym", "idx"):
        return value_of(tree)
    if kind == "add":
        total = evaluate(tree[1], value_of)
        for term in tree[2:]:
            total = total + evaluate(term, value_of)
        return total
    if kind == "mul":
        product = evaluate(tree[1], value_of)
        for factor in tree[2:]:
            product = product * evaluate(factor, value_of)
        return product
    if kind == "pow":
        base, exponent = evaluate(tree[1], value_of), tree[2][1]
        return np.power(base, exponent) if exponent > 0 else 1.0 / np.power(base, -exponent)
    return np.greater(evaluate(tree[1], value_of), 0).astype(np.float64)   # step, relu'(0) = 0


def substitute(tree: Tree, mapping: Callable[[Tree], Tree | None]) -> Tree:
    """``tree`` with every leaf for which ``mapping`` returns a tree replaced by it."""
    if tree[0] in ("sym", "idx"):
        replaced = mapping(tree)
        return tree if replaced is None else replaced
    if tree[0] == "num":
        return tree
    return [tree[0], *[substitute(arg, mapping) if isinstance(arg, list) else arg for arg in tree[1:]]]
