"""Use cases and the ports they need. No SQL, no HTTP: adapters plug into the ports."""
