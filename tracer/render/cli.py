"""``nntrace templates export DIR``: copy the packaged templates into a folder for a course to edit.

A ``--templates`` folder needs only the files it changes, and a prose file only the entries it
changes; exporting everything is a starting point, not a requirement.
"""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("templates", help="export the packaged templates for a course to edit",
                       description="Work with the Jinja templates that render lessons, reports, indexes and worksheets.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    export = actions.add_parser("export", help="write the packaged templates into DIR",
                                description="Write every packaged template into DIR (which must not already hold "
                                            "files of the same names, unless --force). Edit the copies and pass "
                                            "--templates DIR to lesson, diff or batch; files you delete fall back "
                                            "to the packaged ones.")
    export.add_argument("dir", metavar="DIR", help="the folder to write (created if missing)")
    export.add_argument("--force", action="store_true", help="replace files of the same names in DIR")
    p.set_defaults(func=cmd_templates)


def cmd_templates(args: argparse.Namespace) -> int:
    from tracer.errors import TracerError

    if args.action != "export":
        raise TracerError("nntrace templates needs an action: export DIR")
    written = export_templates(args.dir, force=args.force)
    print(f"wrote {len(written)} templates to {args.dir}")
    return 0


def export_templates(out: str, *, force: bool = False) -> list:
    """Write the packaged templates into ``out``; refuse to replace existing files unless ``force``."""
    from pathlib import Path

    from tracer.errors import TracerError
    from tracer.lesson.write import write_documents
    from tracer.render.environment import template_names
    from tracer.render.model import Document
    from tracer.resources import templates_dir

    root = templates_dir()
    names = [n for n in template_names(root) if not n.endswith((".py", ".pyc"))]
    target = Path(out)
    if not force:
        clash = [n for n in names if (target / n).exists() or (target / n).is_symlink()]
        if clash:
            raise TracerError(f"{str(target / clash[0])!r} already exists: export into an empty folder, "
                              "or pass --force to replace the files of the same names")
    return write_documents(target, [Document(n, (root / n).read_bytes()) for n in names])
