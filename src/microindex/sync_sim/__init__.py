"""A deterministic, seeded simulator of a hub and its nodes syncing under faults.

`run_seed(seed)` builds a world (memory or SQLite storage), plays a demand trace with faults
(drop, duplicate, reorder, delay, partitions that heal, crashes mid-apply, clock skew, a hub
restored from backup), heals, and checks the invariants of SYNC.md. The same trace can be
replayed with a naive policy (each side sells against the last synced count) for comparison.
"""
