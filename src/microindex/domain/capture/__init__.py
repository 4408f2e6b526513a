"""Capture and proofing: photos and clips of products, their facts, checks and decisions."""
