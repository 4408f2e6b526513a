"""Product search on tantivy: one index per node and one at the hub, in the workspace's files."""
