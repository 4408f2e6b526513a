"""Migration 110, for SQLite and PostgreSQL alike: a movement's internal tag gets its own
columns (`tag`, `tag_id`), moved out of the reference text once.

Before it, the services wrote their tags into `reference` (`fulfil:<reservation>`,
`transfer:<id>`, ...) and the rights were read back from that text, so a reference a person
typed could pass for one. The rows moved are those the services made: a tag where its kind
can carry it (rights moves on grants; an order's pick or send-off; goods arriving set aside;
a transfer order's two steps; an overdraft sale, whose reference was the staff's own text
after the tag). Every other reference stays as it was typed.
"""

from __future__ import annotations

VERSION = 110
NAME = "movements: an internal tag and its id in their own columns, out of the reference"

_RIGHTS_TAGS = "('grant', 'release', 'setaside', 'unsetaside', 'hold', 'unhold')"


def statements(text: str, find: str) -> list[str]:
    """The migration's statements; `text` is the dialect's text type, `find` its function
    for a substring's position (SQLite `instr`, PostgreSQL `strpos`)."""
    colon = f"{find}(reference, ':')"
    head = f"CASE WHEN {colon} > 0 THEN substr(reference, 1, {colon} - 1) ELSE reference END"
    rest = f"CASE WHEN {colon} > 0 THEN substr(reference, {colon} + 1) ELSE '' END"
    return [
        f"ALTER TABLE movements ADD COLUMN tag {text} NOT NULL DEFAULT ''",
        f"ALTER TABLE movements ADD COLUMN tag_id {text} NOT NULL DEFAULT ''",
        f"UPDATE movements SET tag = {head}, tag_id = {rest}, reference = ''"
        f" WHERE (kind = 'grant' AND {head} IN {_RIGHTS_TAGS})"
        " OR (kind IN ('pick', 'transfer-out') AND substr(reference, 1, 7) = 'fulfil:')"
        " OR (kind = 'transfer-in' AND substr(reference, 1, 9) = 'setaside:')"
        " OR (kind IN ('transfer-out', 'transfer-in') AND substr(reference, 1, 9) = 'transfer:')",
        "UPDATE movements SET tag = 'overdraft',"
        " reference = CASE WHEN reference = 'overdraft' THEN '' ELSE substr(reference, 11) END"
        " WHERE kind = 'sell'"
        " AND (reference = 'overdraft' OR substr(reference, 1, 10) = 'overdraft:')",
    ]
