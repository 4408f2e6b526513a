"""SQLite storage: one file per node and one for the hub, WAL, one writer."""
