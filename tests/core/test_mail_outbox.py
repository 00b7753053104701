"""Mail is never lost: it waits in the database while the mail server is down, and the
worker delivers it once the server is back, exactly once.

Everything here is real: the database backend of the outbox, its `db_worker` command,
Django's SMTP backend and an SMTP server (aiosmtpd) on a local port that the tests take
down and bring back."""

import datetime
import io
import re
import socket
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
import yaml
from aiosmtpd.controller import Controller
from django.core import mail as django_mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from core import mail
from providers.curation import emails
from providers.models import Provider, Status
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    """A real SMTP server on 127.0.0.1:`port`, started and stopped by the test."""

    def __init__(self, port):
        self.port = port
        self.received = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    """The outbox as in production (database backend, SMTP); the server starts down."""
    server = MailServer(free_port())
    settings.TASKS = {"default": {"BACKEND": settings.TASK_BACKENDS["database"]}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def worker(monkeypatch):
    """`manage.py db_worker --batch`: deliver what is due, then stop. In production it
    closes stale connections between tasks; here that would close the connection
    holding the test's transaction, so it is skipped, as the test client skips it
    between requests."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )

    def run():
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    return run


def outbox(status):
    return DBTaskResult.objects.filter(task_path=mail.deliver.module_path, status=status)


def let_time_pass(seconds):
    """Bring every pending attempt `seconds` closer, as the clock would."""
    for pending in outbox(TaskResultStatus.READY):
        pending.run_after -= datetime.timedelta(seconds=seconds)
        pending.save(update_fields=["run_after"])


def test_an_edit_link_asked_while_the_mail_server_is_down_arrives_once_it_is_back(
    client, smtp, worker
):
    provider = ProviderFactory(
        name="Atelier Patient", email="contact@patient.example", status=Status.PUBLISHED
    )
    response = client.post(reverse("providers:request_update", args=[provider.slug]))
    assert "Un lien de mise à jour vient d'être envoyé" in response.content.decode()
    assert not smtp.received

    worker()  # the server is down: refused, to be tried again in a minute
    assert not smtp.received
    assert outbox(TaskResultStatus.FAILED).count() == 1
    [retry] = outbox(TaskResultStatus.READY)
    wait = retry.run_after - timezone.now()
    assert datetime.timedelta(seconds=50) < wait <= datetime.timedelta(seconds=60)

    smtp.start()
    worker()  # back, but the retry is not due yet
    assert not smtp.received

    let_time_pass(60)
    worker()
    [message] = smtp.received
    assert message["To"] == "contact@patient.example"
    assert message["Subject"].strip() == "[Annuaire] Mettre à jour la fiche Atelier Patient"

    let_time_pass(24 * 60 * 60)
    worker()
    assert len(smtp.received) == 1  # exactly once
    assert not outbox(TaskResultStatus.READY).exists()

    [link] = re.findall(r"https?://\S+/mon-entreprise/\S+", message.get_content())
    assert client.get(urlsplit(link).path).status_code == 200  # the link delivered late still works


def test_attempts_space_out_and_stop_after_the_last_delay(smtp, worker, caplog):
    mail.queue("Objet", "Corps\n", "annuaire@example.org", ["moderation@grappe.example"])
    for delay in mail.RETRY_DELAYS:
        worker()
        [retry] = outbox(TaskResultStatus.READY)
        wait = retry.run_after - timezone.now()
        assert datetime.timedelta(seconds=delay - 10) < wait <= datetime.timedelta(seconds=delay)
        let_time_pass(delay)
    worker()
    assert not outbox(TaskResultStatus.READY).exists()
    assert outbox(TaskResultStatus.FAILED).count() == len(mail.RETRY_DELAYS) + 1
    assert "Gave up sending 'Objet'" in caplog.text

    smtp.start()
    let_time_pass(7 * 24 * 60 * 60)
    worker()
    assert not smtp.received  # given up is given up: an administrator sees it failed


def test_a_message_is_queued_only_with_what_it_announces(smtp):
    provider = ProviderFactory(email="contact@annule.example")

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        provider.name = "Nom jamais enregistré"
        provider.save()
        emails.send("revision_ack", [provider.email], provider=provider)
        raise Refused
    assert not DBTaskResult.objects.exists()


def remind_stale():
    out = io.StringIO()
    call_command("remind_stale", stdout=out)
    return out.getvalue()


def test_a_staleness_reminder_sent_while_the_server_is_down_arrives_later(smtp, worker):
    """Before the outbox, the reminder was dropped and tried again the next day."""
    provider = ProviderFactory(email="contact@ancien.example", status=Status.PUBLISHED)
    Provider.objects.filter(pk=provider.pk).update(
        last_verified_at=timezone.now() - datetime.timedelta(days=400)
    )
    assert "Relancées : 1 ;" in remind_stale()
    worker()
    assert not smtp.received
    smtp.start()
    let_time_pass(60)
    worker()
    [message] = smtp.received
    assert message["To"] == "contact@ancien.example"
    assert "/fiche-a-jour/" in message.get_content()
    assert Provider.objects.get(pk=provider.pk).reminded_at is not None
    assert "Relancées : 0 ;" in remind_stale()  # reminded once, not every day


def test_healthz_reports_the_outbox_backlog_for_monitoring(client, smtp, worker):
    assert client.get("/healthz").json()["mail_outbox"] == {
        "due": 0,
        "retrying": 0,
        "oldest_due_seconds": 0,
    }
    mail.queue("Un", "Corps\n", "annuaire@example.org", ["a@example.org"])
    mail.queue("Deux", "Corps\n", "annuaire@example.org", ["b@example.org"])
    worker()  # both refused: waiting for their retry
    mail.queue("Trois", "Corps\n", "annuaire@example.org", ["c@example.org"])
    response = client.get("/healthz")
    assert response.status_code == 200  # a mail server down is not a reason to stop serving
    assert response.json()["mail_outbox"] == {"due": 1, "retrying": 2, "oldest_due_seconds": 0}


def test_in_development_mail_is_delivered_at_once():
    """The default of the tests and of `make run` (DEBUG): no worker needed."""
    emails.send("revision_ack", ["dev@example.org"], provider=ProviderFactory())
    [message] = django_mail.outbox
    assert message.to == ["dev@example.org"]
    assert not DBTaskResult.objects.exists()


def test_the_daily_run_reminds_checks_and_prunes_delivered_mail(smtp, worker):
    smtp.start()
    mail.queue("Ancien", "Corps\n", "annuaire@example.org", ["a@example.org"])
    worker()
    DBTaskResult.objects.update(finished_at=timezone.now() - datetime.timedelta(days=3))
    mail.queue("Récent", "Corps\n", "annuaire@example.org", ["b@example.org"])
    worker()
    out = io.StringIO()
    call_command("run_daily", stdout=out)
    assert "Relancées : 0" in out.getvalue()
    assert "Sites vérifiés : 0" in out.getvalue()
    [kept] = DBTaskResult.objects.all()
    assert kept.args_kwargs["args"][0] == "Récent"


def test_the_deployment_runs_the_mail_worker_and_the_daily_tasks(project_root):
    from django.core.management import get_commands

    services = yaml.safe_load((project_root / "compose.yaml").read_text())["services"]
    assert services["worker"]["command"][:3] == ["python", "manage.py", "db_worker"]
    assert "manage.py run_daily" in services["scheduler"]["command"][-1]
    assert {"db_worker", "run_daily", "prune_db_task_results"} <= set(get_commands())


def test_only_superusers_read_the_outbox_in_the_admin(smtp, moderator_client, admin_client):
    """Queued messages hold magic links: a moderator may not list them."""
    mail.queue("Lien", "https://annuaire.example/mon-entreprise/secret/\n", "a@x.org", ["b@x.org"])
    outbox_admin = "/admin/django_tasks_database/dbtaskresult/"
    assert moderator_client.get(outbox_admin).status_code == 403
    assert "envoi des e-mails" not in moderator_client.get("/admin/").content.decode()
    assert admin_client.get(outbox_admin).status_code == 200
    assert "envoi des e-mails" in admin_client.get("/admin/").content.decode()
