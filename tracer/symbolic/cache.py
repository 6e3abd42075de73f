"""Derivations cached per process and on disk, as expression trees in JSON (no sympy on a hit).

A cache entry holds one architecture's chain-rule factors as trees (``tracer.symbolic.tree``) and
the elements already proved symbolically. The cache is a cache, not an authority: an entry is read
with a size limit, parsed as JSON (never executed), and validated (its key, the parameters and
factor names the architecture has, every tree's node types, names, indices and numbers) before
use; ``derive`` then checks every factor and the three-way agreement against the numbers. An entry
that fails is discarded with a one-line note on stderr and rebuilt with sympy. Entries are keyed by
architecture, nntrace and format version, written atomically, and a folder that cannot be written
is tolerated (the derivation is simply not saved).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from tracer import __version__
from tracer.config import Network
from tracer.resources import cache_dir
from tracer.symbolic.forms import Chains, factor_names, parameters
from tracer.symbolic.tree import TreeError, layer_letters, validate

FORMAT = 2
MAX_BYTES = 2_000_000
MAX_PROOFS = 4096
_MEMORY: dict[str, Chains] = {}
_ELEMENT = re.compile(r"^[wb](?:0|[1-9][0-9]?)\[(?:0|[1-9][0-9]{0,5})(?:,(?:0|[1-9][0-9]{0,5}))?\]$")


class CacheEntryError(ValueError):
    """A cache entry is corrupt, stale or not made of allowed expressions (it is rebuilt)."""


def key_of(network: Network) -> dict[str, Any]:
    return {"format": FORMAT, "nntrace": __version__, "network": network.as_dict()}


def entry_path(network: Network) -> Path:
    digest = hashlib.sha256(json.dumps(key_of(network), sort_keys=True).encode()).hexdigest()
    return cache_dir() / f"derive-{digest[:32]}.json"


def architecture(network: Network) -> Chains:
    """The derivation of ``network``: from this process, else from disk, else built and saved."""
    key = json.dumps(key_of(network), sort_keys=True)
    found = _MEMORY.get(key)
    if found is None:
        found = load(network)
        if found is None:
            found = rebuild(network)
        _MEMORY[key] = found
    return found


def rebuild(network: Network) -> Chains:
    """Derive ``network`` with sympy (the cold path), save it, and keep it for this process."""
    from tracer.symbolic.convert import build_chains

    chains = build_chains(network)
    save(chains)
    _MEMORY[json.dumps(key_of(network), sort_keys=True)] = chains
    return chains


def discard(network: Network, reason: str) -> Chains:
    """Note on stderr that the entry for ``network`` failed (``reason``), and rebuild it."""
    note(entry_path(network), reason)
    return rebuild(network)


def note(path: Path, reason: str) -> None:
    text = f"nntrace: ignoring the derivation cache entry {str(path)!r} ({reason}); rebuilding it"
    print(text.encode("ascii", "backslashreplace").decode(), file=sys.stderr)


def clear_memory() -> None:
    """Forget the per-process cache (tests use this to reach the disk cache)."""
    _MEMORY.clear()


def load(network: Network) -> Chains | None:
    """The disk entry for ``network``, or ``None`` if it is missing, or (with a note) unusable."""
    path = entry_path(network)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError:
        return None
    try:
        if len(raw) > MAX_BYTES:
            raise CacheEntryError(f"larger than {MAX_BYTES} bytes")
        return from_json(json.loads(raw.decode("utf-8")), network)
    except (ValueError, RecursionError) as exc:   # JSONDecodeError, UnicodeDecodeError, TreeError …
        reason = str(exc)[:120] if isinstance(exc, (CacheEntryError, TreeError)) else f"not JSON: {type(exc).__name__}"
        note(path, reason)
        return None


def save(chains: Chains) -> bool:
    """Write ``chains`` atomically; ``False`` (and no error) if the folder cannot be written."""
    path = entry_path(chains.network)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".derive-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(to_json(chains), fh, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


def to_json(chains: Chains) -> dict[str, Any]:
    return {"key": key_of(chains.network),
            "factors": {name: [[factor, tree] for factor, tree in trees] for name, trees in chains.factors.items()},
            "proofs": sorted(chains.proofs)}


def from_json(data: Any, network: Network) -> Chains:
    """Validate a parsed entry against ``network`` and return its chains (``from_disk``)."""
    if not isinstance(data, dict) or data.get("key") != key_of(network):
        raise CacheEntryError("stale or foreign entry")
    raw = data.get("factors")
    expected = parameters(network)
    if not isinstance(raw, dict) or list(raw) != expected:
        raise CacheEntryError(f"entry for other parameters than {expected}")
    plan = layer_letters(network.layers)
    factors = {}
    for parameter in expected:
        names = factor_names(network, parameter)
        given = raw[parameter]
        if not isinstance(given, list) or [_name(item) for item in given] != names:
            raise CacheEntryError(f"the factors of {parameter} are not {names}")
        factors[parameter] = [(name, validate(item[1], network, plan)) for name, item in zip(names, given)]
    proofs = data.get("proofs", [])
    if not isinstance(proofs, list) or len(proofs) > MAX_PROOFS or \
            not all(isinstance(p, str) and _ELEMENT.match(p) for p in proofs):
        raise CacheEntryError("proofs are not a list of element names")
    return Chains(network, factors, proofs=set(proofs), from_disk=True)


def _name(item: Any) -> Any:
    return item[0] if isinstance(item, list) and len(item) == 2 else None
