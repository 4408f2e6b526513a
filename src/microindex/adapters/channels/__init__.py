"""Channel adapters: feed writers (XML, TSV, CSV, JSON), pages, the Merchant API, webhooks."""
