"""Shared output of the import commands: one ``PATH:LINE: message`` per problem on stderr."""

from pathlib import Path

from django.core.management.base import CommandError

from accounts.importing import ImportFileError, ImportResult


def run_import(command, path: str, function, **kwargs) -> ImportResult:
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"{path}: no such file")
    try:
        result = function(content=file.read_bytes(), filename=file.name, **kwargs)
    except ImportFileError as error:
        command.stderr.write(f"{path}:1: {error}")
        raise SystemExit(1) from error
    for line, message in result.errors:
        command.stderr.write(f"{path}:{line}: {message}")
    if result.errors:
        raise SystemExit(1)
    prefix = "dry run: would create" if result.dry_run else "created"
    command.stdout.write(f"{prefix} {result.created}, updated {result.updated}, unchanged {result.unchanged}")
    return result
