"""schema.org helpers for the JSON-LD blocks of public pages (rendered by the `jsonld`
template filter of core/templatetags/annuaire.py)."""


def organization_list(request, name, organizations):
    """A schema.org ItemList of organisations that have a page here, in the given order."""
    return {
        "@type": "ItemList",
        "name": name,
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "item": {
                    "@type": "Organization",
                    "name": organization.name,
                    "url": request.build_absolute_uri(organization.get_absolute_url()),
                },
            }
            for position, organization in enumerate(organizations, start=1)
        ],
    }
