"""The moderator role: a Django group with exactly the permissions curation needs.

Which providers a moderator may touch is decided by `ProviderQuerySet.editable_by`
(their clusters); the group only says which kinds of objects they may touch.
"""

from django.contrib.auth.models import Group, Permission

MODERATORS_GROUP = "Modérateurs"

MODERATOR_PERMISSIONS = {
    "providers": {
        "provider": ["view", "add", "change", "delete"],
        "cluster": ["view"],
        "label": ["view", "add", "change"],
        "revision": ["view"],
        "report": ["view", "change"],
        "slugredirect": ["view"],
        "provenance": ["view"],
    },
    "offerings": {
        "offering": ["view", "add", "change", "delete"],
        "software": ["view", "add", "change"],
        "servicekind": ["view"],
        "need": ["view", "add", "change"],
        "replacedproduct": ["view", "add", "change"],
    },
    "territories": {
        "territory": ["view"],
        "postalcode": ["view"],
        "territoryalias": ["view"],
    },
}


def moderator_permissions():
    codenames = [
        (app, f"{action}_{model}")
        for app, models in MODERATOR_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    query = Permission.objects.none()
    for app, codename in codenames:
        query |= Permission.objects.filter(content_type__app_label=app, codename=codename)
    return query


def ensure_moderator_group(**kwargs):
    """Create or refresh the moderators group (connected to post_migrate; idempotent)."""
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    group.permissions.set(moderator_permissions())
    return group
