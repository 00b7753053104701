"""Public pages: the search, a provider, a software, and a territory with who serves it."""
