"""microindex: per-node stock ledgers and search, joined by a hub that promises orders."""

__version__ = "0.1.0"
