"""Derivations cached per process and on disk, as JSON text that is parsed, never executed.

A cache entry holds one architecture's derivation: LaTeX strings, terminal text, and each
factor as ``sympy.srepr`` text. ``srepr`` is Python syntax, and ``sympify``/``eval`` would run it as
code; here it is read with ``ast.parse`` (which only parses) and rebuilt by calling a short list
of sympy constructors with literal arguments. Anything else makes the entry corrupt: it is
ignored and rebuilt. Entries are keyed by architecture, nntrace, sympy and format version, written
atomically, and a folder that cannot be written is tolerated (the derivation is simply not saved).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import sympy as sp

from tracer import __version__
from tracer.config import Network
from tracer.symbolic.chain import Architecture, ChainSpec, build

FORMAT = 1
ENV = "NNTRACE_CACHE_DIR"
_MEMORY: dict[str, Architecture] = {}

#: The only callables a cached expression may name, with the sympy constructor each one calls.
CONSTRUCTORS = {
    "Symbol": sp.Symbol, "Integer": sp.Integer, "Rational": sp.Rational, "Float": sp.Float,
    "Add": sp.Add, "Mul": sp.Mul, "Pow": sp.Pow, "Indexed": sp.Indexed, "IndexedBase": sp.IndexedBase,
    "Heaviside": sp.Heaviside, "exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "Max": sp.Max,
}
MAX_TEXT = 100_000
MAX_NUMBER = 10**6   # every literal in a cached expression is at most this large in magnitude
MAX_DEPTH = 64       # and nested at most this deep (sympy would recurse on deeper trees)


class CacheEntryError(ValueError):
    """A cache entry is corrupt, stale or not made of allowed expressions (it is rebuilt)."""


def cache_dir() -> Path:
    """``$NNTRACE_CACHE_DIR``, else ``$XDG_CACHE_HOME/nntrace``, else ``~/.cache/nntrace``."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nntrace"


def key_of(network: Network) -> dict[str, Any]:
    return {"format": FORMAT, "nntrace": __version__, "sympy": sp.__version__, "network": network.as_dict()}


def entry_path(network: Network) -> Path:
    digest = hashlib.sha256(json.dumps(key_of(network), sort_keys=True).encode()).hexdigest()
    return cache_dir() / f"derive-{digest[:32]}.json"


def architecture(network: Network) -> Architecture:
    """The derivation of ``network``: from this process, else from disk, else built and saved."""
    key = json.dumps(key_of(network), sort_keys=True)
    found = _MEMORY.get(key)
    if found is None:
        found = load(network)
        if found is None:
            found = build(network)
            save(found)
        _MEMORY[key] = found
    return found


def clear_memory() -> None:
    """Forget the per-process cache (tests use this to reach the disk cache)."""
    _MEMORY.clear()


def load(network: Network) -> Architecture | None:
    """The disk entry for ``network``, or ``None`` if it is missing, corrupt or stale."""
    path = entry_path(network)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        if len(text) > 4 * MAX_TEXT * (network.depth + 2):
            raise CacheEntryError("entry too large")
        return from_json(json.loads(text), network)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError, MemoryError) as exc:
        print(f"nntrace: ignoring the derivation cache entry {str(path)!r} ({_reason(exc)}); rebuilding it",
              file=sys.stderr)
        return None


def _reason(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, CacheEntryError) else type(exc).__name__
    return text.encode("ascii", "backslashreplace").decode()[:120]


def save(arch: Architecture) -> bool:
    """Write ``arch`` atomically; ``False`` (and no error) if the folder cannot be written."""
    path = entry_path(arch.network)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".derive-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(to_json(arch), fh)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


def to_json(arch: Architecture) -> dict[str, Any]:
    chains = {}
    for name, spec in arch.chains.items():
        chains[name] = {
            "element": sp.srepr(spec.element),
            "fixed": [None if s is None else s.name for s in spec.fixed],
            "summed": [s.name for s in spec.summed],
            "factors": [[factor, sp.srepr(expr)] for factor, expr in spec.factors],
            "latex": spec.latex, "matrix_latex": spec.matrix_latex, "text": spec.text,
        }
    return {"key": key_of(arch.network), "chains": chains, "deltas": arch.deltas, "proofs": arch.proofs}


def from_json(data: dict[str, Any], network: Network) -> Architecture:
    if data.get("key") != key_of(network):
        raise CacheEntryError("stale cache entry")
    chains = {}
    for name, raw in data["chains"].items():
        index = lambda n: None if n is None else sp.Symbol(_text(n), integer=True)  # noqa: E731
        chains[name] = ChainSpec(
            parameter=name,
            element=parse_srepr(raw["element"]),
            fixed=tuple(index(n) for n in raw["fixed"]),
            summed=tuple(index(n) for n in raw["summed"]),
            factors=[(_text(f), parse_srepr(e)) for f, e in raw["factors"]],
            latex=_text(raw["latex"]), matrix_latex=_text(raw["matrix_latex"]), text=_text(raw["text"]),
        )
    expected = [f"w{k}" for k in range(network.depth)] + ([f"b{k}" for k in range(network.depth)]
                                                          if network.bias != "none" else [])
    if list(chains) != expected:
        raise CacheEntryError("cache entry for other parameters")
    deltas = [{k: v if k == "layer" and isinstance(v, int) else _text(v) for k, v in d.items()} for d in data["deltas"]]
    proofs = {_text(k): bool(v) for k, v in data.get("proofs", {}).items() if v is True}
    return Architecture(network, chains, deltas, proofs)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise CacheEntryError(f"expected text, found {type(value).__name__}")
    return value


def parse_srepr(text: str) -> sp.Expr:
    """Rebuild an expression from ``srepr`` text without executing it.

    Only calls of the names in ``CONSTRUCTORS`` with literal (string, number, boolean) or
    nested-call arguments are accepted.

    >>> parse_srepr("Mul(Integer(2), Symbol('a'))")
    2*a
    """
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise CacheEntryError("expression text missing or too long")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise CacheEntryError("expression text is not srepr") from None
    return _build(tree.body, 0)


def _build(node: ast.AST, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise CacheEntryError(f"expression nested deeper than {MAX_DEPTH}")
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool)):
        value = node.value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not abs(value) <= MAX_NUMBER:
            raise CacheEntryError(f"number {str(value)[:20]} out of bounds (|x| ≤ {MAX_NUMBER})")
        if isinstance(value, str) and len(value) > 40:
            raise CacheEntryError("name too long")
        return value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        value = _build(node.operand, depth + 1)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CONSTRUCTORS:
        args = [_build(a, depth + 1) for a in node.args]
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None or not isinstance(kw.value, ast.Constant):
                raise CacheEntryError("only literal keyword arguments are allowed")
            kwargs[kw.arg] = _build(kw.value, depth + 1)
        try:
            return CONSTRUCTORS[node.func.id](*args, **kwargs)
        except (TypeError, ValueError) as exc:
            raise CacheEntryError(f"bad expression: {exc}") from None
    raise CacheEntryError(f"{ast.dump(node)[:80]} is not allowed in a cached expression")
