"""What a provider's stored search fields hold: folded, stemmed tokens, by weight.

Pure functions of a provider and its prefetched relations: no model is imported, so
the models, a migration and the indexer can all use them.
"""

from core.text import search_tokens

from .sql import WEIGHTS

# The stored fields: one per weight, and their union that filters.
SEARCH_FIELDS = (*WEIGHTS, "search_document")


def as_field(tokens):
    """Tokens stored space-delimited, with a leading space so " tok" marks a token start."""
    return f" {' '.join(tokens)} " if tokens else ""


def document_fields(provider):
    """The search fields of `provider`, from prefetched offerings, labels and seat."""
    offerings = list(provider.offerings.all())
    names = search_tokens(
        " ".join([provider.name, *(offering.software.name for offering in offerings)])
    )
    topics = search_tokens(
        " ".join(
            [
                *(kind.name for offering in offerings for kind in offering.service_kinds.all()),
                *(label.name for label in provider.labels.all()),
                provider.seat.name if provider.seat_id else "",
            ]
        )
    )
    text = search_tokens(
        " ".join([provider.description, *(offering.description for offering in offerings)])
    )
    return fields_from_tokens(names, topics, text)


def fields_from_tokens(names, topics, text):
    """The stored fields, in SEARCH_FIELDS order, from the tokens of each weight."""
    return {
        "search_names": as_field(names),
        "search_topics": as_field(topics),
        "search_text": as_field(text),
        "search_document": as_field(list(dict.fromkeys(names + topics + text))),
    }
