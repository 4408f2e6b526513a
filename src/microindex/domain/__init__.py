"""Pure rules of the trade: values, aggregates and their invariants. Standard library only."""
