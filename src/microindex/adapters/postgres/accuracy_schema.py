"""Listing accuracy kept by the day (`service.accuracy_days`), as in SQLite
(adapters/sqlite/accuracy_schema.py)."""

ACCURACY_DAYS_MIGRATION = (
    188,
    "listing accuracy kept per closed day, channel, basis and field, with the marks it saw",
    """
    CREATE TABLE channel_accuracy_days (
        day date PRIMARY KEY
    );
    CREATE TABLE channel_accuracy (
        day     date NOT NULL REFERENCES channel_accuracy_days (day) ON DELETE CASCADE,
        channel text NOT NULL,
        basis   text NOT NULL,
        field   text NOT NULL,
        checked integer NOT NULL CHECK (checked >= 0),
        matched integer NOT NULL CHECK (matched >= 0 AND matched <= checked),
        PRIMARY KEY (day, channel, basis, field)
    );
    CREATE TABLE channel_accuracy_marks (
        id    integer PRIMARY KEY CHECK (id = 1),
        marks text NOT NULL
    );
    """,
)
