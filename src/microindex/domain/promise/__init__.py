"""Order promising: which node (or nodes) fulfils an order, by when, and why."""
