"""`memos-lab`: the command line for people who inspect cube stores.

    memos-lab cube ls      --store PATH [--namespace NS] [--kind K] [--all]
    memos-lab cube show    ID --store PATH [--version N]
    memos-lab cube history ID --store PATH
    memos-lab cube verify  --store PATH            exit 1 and list every damaged cube
    memos-lab cube export  OUT --store PATH [--namespace NS] [--id ID ...] [--history]
    memos-lab cube import  BUNDLE --store PATH [--model-fingerprint FP] [--namespace NS]
    memos-lab cube gc      --store PATH [--purge-expired]

Every command acts as the actor named by `--actor` (required: there is no
default identity; the administrator is `--actor @admin`). Times are printed
as ISO-8601 UTC; long lists in a header (a KV cube's token ids) are shown as
their length and first items. `ls` warns on stderr about damaged cubes it
left out. A closed pipe (`cube ls | head`) ends the output quietly.
Exit status: 0 fine, 1 damage found, 2 an error (printed to stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from memos_lab.cube import CubeHeader, Kind, MemCube
from memos_lab.store import ADMIN, CubeStore, StoreError, export_bundle, import_bundle
from memos_lab.store.errors import DamagedCubeWarning
from memos_lab.store.store import CATALOGUE_FILE

PREVIEW_CHARS = 400
LIST_ITEMS = 8  # a longer list in a header is shown as its length and this many first items
TIME_FIELDS = ("created_at", "updated_at", "last_access")


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DamagedCubeWarning)
            code = args.run(args)
        for warning in caught:
            print(f"warning: {warning.message}", file=sys.stderr)
        return code
    except BrokenPipeError:
        _quiet_stdout()  # the reader went away (`| head`): stop without a traceback
        return 0
    except (StoreError, PermissionError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", required=True, type=Path, help="store directory")
    common.add_argument("--actor", required=True, help=f"act as this actor ({ADMIN} for the administrator)")
    top = argparse.ArgumentParser(prog="memos-lab", description="Inspect and maintain MemCube stores.")
    groups = top.add_subparsers(dest="group", required=True)
    cube = groups.add_parser("cube", help="cube store commands").add_subparsers(dest="command", required=True)

    def command(name: str, run: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        sub = cube.add_parser(name, parents=[common], help=help)
        sub.set_defaults(run=run)
        return sub

    ls = command("ls", cmd_ls, "list current cubes")
    ls.add_argument("--namespace")
    ls.add_argument("--kind", choices=[k.value for k in Kind])
    ls.add_argument("--all", action="store_true", help="include expired cubes")
    show = command("show", cmd_show, "one cube's header and payload")
    show.add_argument("id")
    show.add_argument("--version", type=int)
    command("history", cmd_history, "every version of a cube").add_argument("id")
    command("verify", cmd_verify, "check the catalogue and every blob")
    export = command("export", cmd_export, "write cubes to a bundle file")
    export.add_argument("out", type=Path)
    export.add_argument("--namespace")
    export.add_argument("--id", action="append", dest="ids")
    export.add_argument("--history", action="store_true", help="include every version")
    imported = command("import", cmd_import, "add a bundle's cubes to the store")
    imported.add_argument("bundle", type=Path)
    imported.add_argument("--model-fingerprint", help="the importing model (JSON or string)")
    imported.add_argument("--namespace", help="put the cubes in this namespace")
    gc = command("gc", cmd_gc, "delete orphan blobs")
    gc.add_argument("--purge-expired", action="store_true", help="first delete expired cubes")
    return top


def open_store(args: argparse.Namespace, create: bool = False) -> CubeStore:
    if not create and not (args.store / CATALOGUE_FILE).exists():
        raise FileNotFoundError(f"no cube store at {args.store} (no {CATALOGUE_FILE})")
    return CubeStore(args.store)


def cmd_ls(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        headers = store.list(args.actor, namespace=args.namespace, kind=args.kind, include_expired=args.all)
    print_table(headers)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        cube = store.get(args.id, args.actor, version=args.version, touch=False)
    print(json.dumps(readable_header(cube.header), indent=2, ensure_ascii=False))
    print(preview(cube))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        print_table(store.history(args.id, args.actor))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        report = store.verify(args.actor)
    for line in report.lines():
        print(line)
    damaged, problems = len({d.cube_id for d in report.damaged}), len(report.catalogue_problems)
    print(
        f"checked {report.blobs_checked} blobs: {damaged} damaged cubes, {problems} catalogue problems,"
        f" {len(report.audit_problems)} audit problems"
    )
    print(f"audit head: row {report.audit_head[0]} {report.audit_head[1]} (keep it to detect a rewritten log)")
    return 0 if report.ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        headers = export_bundle(
            store, args.out, args.actor, namespace=args.namespace, ids=args.ids, with_history=args.history
        )
    print(f"exported {len(headers)} cube versions to {args.out}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    with open_store(args, create=True) as store:
        fingerprint = parse_fingerprint(args.model_fingerprint)
        headers = import_bundle(args.bundle, store, args.actor, fingerprint, namespace=args.namespace)
    print(f"imported {len(headers)} cubes from {args.bundle}")
    return 0


def parse_fingerprint(text: str | None) -> Any:
    """A JSON object (as model backends report fingerprints) or a plain string."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def cmd_gc(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        report = store.gc(args.actor, purge_expired=args.purge_expired)
    print(
        f"removed {report.removed_blobs} orphan blobs ({report.freed_bytes} bytes), "
        f"{report.removed_temp_files} temp files, {len(report.purged_cubes)} expired cubes"
    )
    for stray in report.stray_files:
        print(f"left alone: {stray} (not a blob)")
    return 0


COLUMNS = ("id", "version", "kind", "state", "namespace", "owner", "size_bytes", "updated_at")


def print_table(headers: Sequence[CubeHeader]) -> None:
    rows = [COLUMNS] + [tuple(str(_value(h, c)) for c in COLUMNS) for h in headers]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _value(header: CubeHeader, column: str) -> Any:
    value = getattr(header, column)
    if column in TIME_FIELDS:
        return iso_utc(value)
    return value.value if isinstance(value, Enum) else value


def iso_utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def readable_header(header: CubeHeader) -> dict[str, Any]:
    """The header as a person reads it: ISO-8601 UTC times, long lists summarised."""
    data = header.to_dict()
    for name in TIME_FIELDS:
        data[name] = iso_utc(data[name])
    return _summarise(data)


def _summarise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _summarise(v) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) > LIST_ITEMS:
            return f"{len(value)} items: {json.dumps(value[:LIST_ITEMS])[:-1]}, ...]"
        return [_summarise(v) for v in value]
    return value


def preview(cube: MemCube) -> str:
    if cube.kind is Kind.PLAINTEXT:
        text = cube.text
        return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + f"... ({len(text)} chars)"
    return "\n".join(f"{name}: {tuple(t.shape)} {t.dtype}" for name, t in sorted(cube.payload.items()))


if __name__ == "__main__":
    sys.exit(main())
