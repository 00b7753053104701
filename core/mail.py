"""The mail outbox: a message is rendered in the request and stored as a task row in the
database (Django's tasks framework, backported by django-tasks, with django-tasks-db's
database backend). `manage.py db_worker` delivers it. A mail server that is down loses
nothing: the request still succeeds, and the worker tries again later.

Written here rather than taken from the library: Django's tasks framework has no
retries yet. A failed delivery enqueues its own next attempt, due after the next of
RETRY_DELAYS, and is then recorded as failed. That is at most one pending attempt per
message, so a message is delivered once when the server comes back. Enqueued in the
caller's transaction, a message is stored if and only if what it announces is saved.
"""

import datetime
import logging

from django.core.mail import send_mail
from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

# Seconds to wait before each new attempt: a minute, then longer, for about a day and a
# half in all. After the last one the message stays failed in the outbox, for an
# administrator to see.
RETRY_DELAYS = (60, 5 * 60, 15 * 60, 60 * 60, 4 * 60 * 60, 12 * 60 * 60, 24 * 60 * 60)


def queue(subject, body, from_email, recipients):
    """Store one message in the outbox; the worker delivers it."""
    return deliver.enqueue(subject, body, from_email, list(recipients))


@task()
def deliver(subject, body, from_email, recipients, attempt=1):
    try:
        send_mail(subject, body, from_email, recipients)
    except Exception:
        backend = deliver.get_backend()
        if attempt > len(RETRY_DELAYS) or not backend.supports_defer:
            logger.exception(
                "Gave up sending %r to %s after %d attempts", subject, recipients, attempt
            )
            raise
        due = timezone.now() + datetime.timedelta(seconds=RETRY_DELAYS[attempt - 1])
        deliver.using(run_after=due).enqueue(
            subject, body, from_email, recipients, attempt=attempt + 1
        )
        logger.warning(
            "Could not send %r to %s (attempt %d); next attempt at %s",
            subject,
            recipients,
            attempt,
            due.isoformat(timespec="seconds"),
        )
        raise
    return {"sent_to": recipients, "attempt": attempt}


def backlog():
    """What /healthz reports for monitoring, in one query: messages due and not yet
    delivered (the worker is late or stopped), messages waiting for a retry (the mail
    server refused them), and how long the oldest due one has waited, in seconds."""
    from django_tasks_db.models import DBTaskResult, TaskResultStatus, get_date_max

    now = timezone.now()
    is_due = Q(run_after=get_date_max()) | Q(run_after__lte=now)
    counts = DBTaskResult.objects.filter(
        task_path=deliver.module_path, status=TaskResultStatus.READY
    ).aggregate(
        waiting=Count("id"),
        due=Count("id", filter=is_due),
        oldest=Min("enqueued_at", filter=is_due),
    )
    oldest = counts["oldest"]
    return {
        "due": counts["due"],
        "retrying": counts["waiting"] - counts["due"],
        "oldest_due_seconds": round((now - oldest).total_seconds()) if oldest else 0,
    }
