"""Node-hub sync: stock rights (escrow), messages, checkpoints, and the allocation maths."""
