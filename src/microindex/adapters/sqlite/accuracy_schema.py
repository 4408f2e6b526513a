"""Listing accuracy kept by the day (`service.accuracy_days`): the days measured, their counts
per channel, basis and field, and the marks (what had been recorded) they were measured at."""

ACCURACY_DAYS_MIGRATION = (
    188,
    "listing accuracy kept per closed day, channel, basis and field, with the marks it saw",
    """
    CREATE TABLE channel_accuracy_days (
        day TEXT PRIMARY KEY
    ) WITHOUT ROWID;
    CREATE TABLE channel_accuracy (
        day     TEXT NOT NULL REFERENCES channel_accuracy_days (day) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        basis   TEXT NOT NULL,
        field   TEXT NOT NULL,
        checked INTEGER NOT NULL CHECK (checked >= 0),
        matched INTEGER NOT NULL CHECK (matched >= 0 AND matched <= checked),
        PRIMARY KEY (day, channel, basis, field)
    ) WITHOUT ROWID;
    CREATE TABLE channel_accuracy_marks (
        id    INTEGER PRIMARY KEY CHECK (id = 1),
        marks TEXT NOT NULL
    );
    """,
)
