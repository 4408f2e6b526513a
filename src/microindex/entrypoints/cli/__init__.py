"""The `microindex` command line."""
