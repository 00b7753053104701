"""Every e-mail the directory sends. Text templates in templates/emails/: the first
line is the subject, the rest the body. A message goes to the outbox (core.mail), in
the caller's transaction: the worker delivers it, and tries again while the mail
server is down."""

from django.conf import settings
from django.template.loader import render_to_string

from core import mail
from providers.models import Cluster


def send(template, recipients, **context):
    """Queue one message to `recipients`; False when there is nobody to send it to."""
    recipients = sorted({address for address in recipients if address})
    if not recipients:
        return False
    context.setdefault("SITE_URL", settings.SITE_URL)
    subject, _, body = render_to_string(f"emails/{template}.txt", context).partition("\n")
    mail.queue(
        f"[Annuaire] {subject.strip()}",
        body.strip() + "\n",
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
    return True


def cluster_contacts(cluster):
    """A cluster's contact address and its active moderators' addresses."""
    addresses = {cluster.email} if cluster is not None else set()
    if cluster is not None:
        addresses.update(user.email for user in cluster.moderators.all() if user.is_active)
    addresses.discard("")
    return addresses


def moderator_addresses(provider):
    """Who curates `provider`: its clusters' contacts (the directory team otherwise)."""
    addresses = set()
    for cluster in Cluster.objects.curating(provider).prefetch_related("moderators"):
        addresses |= cluster_contacts(cluster)
    return addresses or {settings.CONTACT_EMAIL}


def notify_moderators(provider, template, **context):
    return send(template, moderator_addresses(provider), provider=provider, **context)
