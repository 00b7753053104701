"""Helpers shared by the self-service and moderation tests."""

import re
import time

from django.core import mail, signing

from offerings.models import ServiceKind, Software
from providers.curation.forms import TIMESTAMP_SALT


def started(seconds_ago=60):
    """The signed "form shown at" value of a form opened `seconds_ago` seconds ago."""
    return signing.TimestampSigner(salt=TIMESTAMP_SALT).sign(str(int(time.time()) - seconds_ago))


def submission_data(**overrides):
    dolibarr = Software.objects.get_or_create(
        name="Dolibarr",
        defaults={"category": "erp-crm", "description": "ERP", "licence": "GPL-3.0-or-later"},
    )[0]
    kinds = {kind.slug: kind.pk for kind in ServiceKind.objects.all()}
    data = {
        "name": "Gestion Libre Évry",
        "siren": "552 100 554",
        "website": "https://gestion-libre-evry.example",
        "email": "contact@gestion-libre-evry.example",
        "show_email": "on",
        "phone": "01 99 00 12 34",
        "address": "1 rue du Libre",
        "postal_code": "91000",
        "seat_text": "Évry-Courcouronnes (91)",
        "description": "Nous installons Dolibarr pour les TPE de l'Essonne.",
        "areas_text": "Essonne\nSeine-et-Marne",
        "workforce": "01",
        "year_founded": "2015",
        "accepts_new_clients": "on",
        "started": started(),
        "nickname": "",
        "offres-TOTAL_FORMS": "3",
        "offres-INITIAL_FORMS": "0",
        "offres-MIN_NUM_FORMS": "0",
        "offres-MAX_NUM_FORMS": "30",
        "offres-0-software": str(dolibarr.pk),
        "offres-0-service_kinds": [str(kinds["installation"]), str(kinds["formation"])],
        "offres-0-description": "Devis et factures",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def link_in(message):
    """The first link of an e-mail, as a path."""
    url = re.search(r"https?://\S+", message.body)[0]
    return re.sub(r"^https?://[^/]+", "", url)


def sent_to(address):
    return [message for message in mail.outbox if address in message.to]
