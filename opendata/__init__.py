"""Open data: downloads of any result list, the full dataset, Atom feeds, sitemaps, the
open-data page, the read-only JSON API and its OpenAPI document. No models of its own."""
