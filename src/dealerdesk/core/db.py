"""Database settings the migrations share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def fillfactor(table: str, percent: int) -> Callable[[Any, Any], None]:
    """A ``RunPython`` step that leaves ``100 - percent`` % of each new page of ``table``
    free on PostgreSQL (nothing elsewhere): a row updated in place, with no indexed column
    changed, keeps its new version on the same page (a HOT update) and writes no index
    entry. Existing pages keep their layout until the table is rewritten."""

    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(percent)})")

    return run
