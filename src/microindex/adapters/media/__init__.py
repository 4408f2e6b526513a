"""Media adapters: probing, renditions, provenance signing and the content-addressed store."""
