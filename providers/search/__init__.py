"""Full-text search over providers, with the same results on PostgreSQL and SQLite.

Each provider stores its searchable text as folded, French-stemmed tokens (see
`core.text.search_tokens`), in three weighted parts plus their union:

- `search_names`  (weight 10): provider name, names of the software it offers;
- `search_topics` (weight 4):  service kinds, labels, seat commune;
- `search_text`   (weight 1):  description, offering descriptions;
- `search_document`: every token, used to filter.

A query matches when each of its tokens is a prefix of a document token
("nextcl" finds Nextcloud, "formations" finds "formation"). PostgreSQL answers
through a GIN index on `to_tsvector('simple', search_document)` with prefix
`tsquery`s; SQLite through `LIKE '% token%'`. Relevance is computed by the same
SQL expression on both. Typos on software, service, label and place names are
tolerated by widening a query token to the close names it might mean
("nexcloud" also looks for "nextcloud").

The modules, from the bottom up:

- `documents`: what a provider's stored search fields hold (pure functions);
- `sql`: the SQL expressions that match and rank them (imported by the models);
- `indexer`: keeps the stored fields up to date (needs the models);
- `query`: reads what people type, with the typo vocabulary;
- `filters`: the one FilterSet of the search page, the downloads and the API.
"""

# Migration providers 0002 fills the search fields with it, from this path.
from .documents import document_fields

__all__ = ["document_fields"]
