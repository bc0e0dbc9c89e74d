"""Audit rows as CSV, written as they are read, for operators to open in a spreadsheet.

Cells come from people (app names, emails, reasons typed into forms), and a
spreadsheet runs a cell that starts with = + - @ (or a tab or carriage
return before one) as a formula: such a cell gets a leading apostrophe, as
OWASP advises, so it is shown as text.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC

import audit

HEADER = [
    "id",
    "occurred_at",
    "action",
    "what",
    "client_id",
    "app",
    "actor",
    "user",
    "user_id",
    "ip_address",
    "details",
]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows per chunk sent: one network write per chunk rather than one per row.
ROWS_PER_CHUNK = 200


def defused(value: object) -> str:
    """A cell's text, with a leading apostrophe when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_row(entry: dict) -> list[str]:
    """One audit row (as audit.list_audit gives it) as the cells of HEADER."""
    cells = [
        entry["id"],
        entry["occurred_at"].astimezone(UTC).isoformat(),
        entry["action"],
        audit.ACTION_LABELS.get(entry["action"], entry["action"]),
        entry["client_id"],
        entry["client_name"],
        entry["actor_email"] or entry["actor_label"],
        entry["subject_email"],
        entry["subject_user_id"],
        entry["ip_address"],
        json.dumps(entry["details"] or {}, ensure_ascii=False, sort_keys=True),
    ]
    return [defused(cell) for cell in cells]


def csv_chunks(entries: Iterable[dict]) -> Iterator[str]:
    """The header, then the rows of `entries`, as chunks of CSV text: never more than one chunk in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for count, entry in enumerate(entries, start=1):
        writer.writerow(csv_row(entry))
        if count % ROWS_PER_CHUNK == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
