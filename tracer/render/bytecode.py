"""Jinja bytecode cache for the packaged templates: each process compiles them only once per version.

Compiling the lesson's templates costs about 0.3 s per process, a sixth of a whole ``nntrace
lesson``. Jinja can keep the compiled code (``marshal``) on disk; loading it runs it, so only what
nntrace itself ships is cached:

- only templates read from the packaged folder; a course's ``--templates`` are compiled each time;
- in ``<cache>/templates-<nntrace version>-<digest of environment.py>/`` (the compiler's own
  rules, such as the loop budget, live there; see ``tracer.resources.cache_dir``), written
  atomically by Jinja with mode 0600; each entry is keyed by template name and path and checked
  against the source's checksum (Jinja), and against the Python and Jinja versions (Jinja's magic);
- only when that folder is the user's own and no one else may write to it (as Python treats
  ``__pycache__``: whoever can write there can already change what runs). Otherwise, or when the
  folder cannot be made, templates are compiled as before; the cache never makes a run fail.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from tracer import __version__


def packaged_cache(packaged: Path):
    """A ``jinja2.BytecodeCache`` for templates under ``packaged``, or ``None`` when unsafe or off."""
    from tracer.resources import cache_dir

    rules = hashlib.sha256(Path(__file__).with_name("environment.py").read_bytes()).hexdigest()[:12]
    folder = cache_dir() / f"templates-{__version__}-{rules}"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & 0o022 or info.st_uid != os.getuid():
        return None
    return _cache_class()(str(folder), str(packaged.resolve()) + os.sep)


def _cache_class():
    from jinja2.bccache import Bucket, FileSystemBytecodeCache

    class PackagedBytecodeCache(FileSystemBytecodeCache):
        """Loads and stores buckets of packaged templates only."""

        def __init__(self, directory: str, packaged: str):
            super().__init__(directory, "%s.jinja")
            self.packaged = packaged
            self.keys: set[str] = set()

        def get_bucket(self, environment, name, filename, source):
            bucket = Bucket(environment, self.get_cache_key(name, filename), self.get_source_checksum(source))
            if filename is not None and os.path.realpath(filename).startswith(self.packaged):
                self.keys.add(bucket.key)
                try:
                    self.load_bytecode(bucket)
                except Exception:   # a damaged entry (Jinja reads its header with pickle): compile again
                    bucket.reset()
            return bucket

        def set_bucket(self, bucket) -> None:
            if bucket.key in self.keys:
                try:
                    self.dump_bytecode(bucket)
                except OSError:
                    pass   # a full or read-only cache: compile again next time

    return PackagedBytecodeCache
