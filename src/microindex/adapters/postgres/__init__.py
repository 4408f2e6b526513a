"""PostgreSQL storage for the hub when it outgrows one machine: the same ports as SQLite."""
