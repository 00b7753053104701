"""A listing's editable state as plain data, the shape of `Revision.data`:

    {"fields": {LISTING_FIELDS…}, "seat": pk, "service_areas": [pk…], "labels": [pk…],
     "offerings": [{"software": pk, "service_kinds": [pk…], "description": ""}…]}

Owners' revisions store it, the public forms and the spreadsheet import produce it,
`diff` shows it to moderators and `apply_data` writes it, offerings included. A catalogue
import's revision stores only what it proposes (`{"partial": True, "fields": {…},
"add_offerings": [software pk…]}`): `proposed_state` lays it on the listing as it is when
a moderator looks at it, so that approving it never undoes what changed in between.
"""

from django.utils.translation import gettext as _

from offerings.models import Offering, ServiceKind, Software
from providers.models import LISTING_FIELDS, Label, Provider
from territories.models import Territory


def snapshot(provider):
    """The editable state of `provider`, in the shape `Revision.data` uses."""
    return {
        "fields": {name: getattr(provider, name) for name in LISTING_FIELDS},
        "seat": provider.seat_id,
        "service_areas": sorted(area.pk for area in provider.service_areas.all()),
        "labels": sorted(label.pk for label in provider.labels.all()),
        "offerings": sorted(
            (
                {
                    "software": offering.software_id,
                    "service_kinds": sorted(kind.pk for kind in offering.service_kinds.all()),
                    "description": offering.description,
                }
                for offering in provider.offerings.all()
            ),
            key=lambda offering: offering["software"],
        ),
    }


def proposed_state(provider, data):
    """A revision's data as a whole editable state (see the module's docstring)."""
    if not data.get("partial"):
        return data
    state = snapshot(provider)
    state["fields"].update(data.get("fields", {}))
    offered = {offering["software"] for offering in state["offerings"]}
    state["offerings"].extend(
        {"software": software, "service_kinds": [], "description": ""}
        for software in data.get("add_offerings", [])
        if software not in offered
    )
    return state


def diff(provider, data):
    """[(label, current, proposed)] for every part the proposal changes, readable."""
    current = snapshot(provider)
    rows = []
    for name in LISTING_FIELDS:
        before, after = current["fields"].get(name), data["fields"].get(name)
        if before != after:
            field = Provider._meta.get_field(name)
            rows.append((str(field.verbose_name), _display(field, before), _display(field, after)))
    names = _names(current, data)
    if current["seat"] != data["seat"]:
        rows.append(
            (
                _("commune du siège"),
                names["t"].get(current["seat"], "—"),
                names["t"].get(data["seat"], "—"),
            )
        )
    for key, label, table in (
        ("service_areas", _("zones d'intervention"), "t"),
        ("labels", _("labels"), "l"),
    ):
        if current[key] != sorted(data[key]):
            rows.append((label, _join(names[table], current[key]), _join(names[table], data[key])))
    if current["offerings"] != sorted(data["offerings"], key=lambda o: o["software"]):
        rows.append(
            (
                _("offres"),
                _offerings_text(names, current["offerings"]),
                _offerings_text(names, data["offerings"]),
            )
        )
    return rows


def _display(field, value):
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if field.choices:
        return dict(field.choices).get(value, value)
    return str(value)


def _names(*snapshots):
    territory_ids, label_ids, software_ids, kind_ids = set(), set(), set(), set()
    for data in snapshots:
        territory_ids.update([data["seat"], *data["service_areas"]])
        label_ids.update(data["labels"])
        for offering in data["offerings"]:
            software_ids.add(offering["software"])
            kind_ids.update(offering["service_kinds"])
    return {
        "t": {t.pk: str(t) for t in Territory.objects.filter(pk__in=territory_ids)},
        "l": dict(Label.objects.filter(pk__in=label_ids).values_list("pk", "name")),
        "s": dict(Software.objects.filter(pk__in=software_ids).values_list("pk", "name")),
        "k": dict(ServiceKind.objects.filter(pk__in=kind_ids).values_list("pk", "name")),
    }


def _join(names, ids):
    return ", ".join(sorted(names.get(pk, "?") for pk in ids)) or "—"


def _offerings_text(names, offerings):
    lines = []
    for offering in sorted(offerings, key=lambda o: names["s"].get(o["software"], "")):
        kinds = ", ".join(names["k"].get(pk, "?").lower() for pk in offering["service_kinds"])
        line = f"{names['s'].get(offering['software'], '?')} : {kinds}"
        if offering.get("description"):
            line += f" ({offering['description']})"
        lines.append(line)
    return "\n".join(lines) or "—"


def apply_data(provider, data):
    """Write `data` (a snapshot-shaped dict) onto `provider`, offerings included."""
    for name in LISTING_FIELDS:
        if name in data["fields"]:
            setattr(provider, name, data["fields"][name])
    if provider.seat_id != data["seat"]:  # a precise position was set for the old seat
        provider.latitude = provider.longitude = None
    provider.seat_id = data["seat"]
    provider.full_clean(exclude=["slug"])
    provider.save()
    provider.service_areas.set(data["service_areas"])
    provider.labels.set(data["labels"])
    wanted = {offering["software"]: offering for offering in data["offerings"]}
    provider.offerings.exclude(software_id__in=wanted).delete()
    for software_id, values in wanted.items():
        offering, _created = Offering.objects.get_or_create(
            provider=provider, software_id=software_id
        )
        if offering.description != values.get("description", ""):
            offering.description = values.get("description", "")
            offering.save()
        offering.service_kinds.set(values["service_kinds"])
