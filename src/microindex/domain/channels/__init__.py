"""Syndication rules: what each sales channel is told about products and availability.

Pure functions in tables: availability mappings per channel, staleness (TTL) downgrades, price
and identifier formats, newsletter entries, voice answers, webhook signatures and retries, and
the listing-accuracy maths. Times are passed in; nothing here reads a clock.
"""
