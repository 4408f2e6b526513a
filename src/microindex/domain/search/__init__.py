"""Pure rules of product search: terms, typo budgets, facets, ranking, highlights, reach."""
