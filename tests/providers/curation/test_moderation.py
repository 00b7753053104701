"""Cluster moderators: the review queue, error reports, audit history, merging
duplicates — each scoped to the moderator's clusters."""

import pytest
from django.core import mail
from django.test import Client

from providers.curation import decisions
from providers.curation.snapshots import snapshot
from providers.models import (
    Provider,
    Report,
    ReportStatus,
    ReviewStatus,
    Revision,
    SlugRedirect,
    Status,
)
from tests.curation_helpers import started
from tests.factories import (
    LabelFactory,
    ModeratorFactory,
    OfferingFactory,
    ProviderFactory,
    SoftwareFactory,
    SuperuserFactory,
    commune,
    departement,
)

pytestmark = pytest.mark.django_db
QUEUE = "/admin/providers/provider/moderation/"


def report_on(provider, message="Le téléphone a changé."):
    return Report.objects.create(provider=provider, message=message)


def revision_on(provider, description="Nouvelle description"):
    data = snapshot(provider)
    data["fields"]["description"] = description
    return Revision.objects.create(provider=provider, data=data, submitted_by_email=provider.email)


# Error reports ------------------------------------------------------------------------


def test_anyone_can_report_an_error_which_reaches_the_cluster(client, idf_moderator):
    provider = ProviderFactory(name="Libre Évry")
    page = client.get(f"/prestataires/{provider.slug}/signaler/").content.decode()
    assert "Ce qui est inexact" in page
    response = client.post(
        f"/prestataires/{provider.slug}/signaler/",
        {"message": "Ne fait plus de Moodle.\nSite en panne.", "email": "", "started": started()},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.message == "Ne fait plus de Moodle.\nSite en panne."
    (notice,) = mail.outbox
    assert set(notice.to) == {"grappe@idf.example", "modo@idf.example"}
    assert "Ne fait plus de Moodle." in notice.body


def test_an_empty_or_robotic_report_is_refused(client):
    provider = ProviderFactory()
    url = f"/prestataires/{provider.slug}/signaler/"
    assert (
        "Décrivez l&#x27;erreur"
        in client.post(url, {"message": "ok", "started": started()}).content.decode()
    )
    client.post(url, {"message": "spam spam", "nickname": "bot", "started": started()})
    assert not Report.objects.exists()


def test_reports_on_unpublished_listings_are_404(client):
    provider = ProviderFactory(status=Status.ARCHIVED)
    assert client.get(f"/prestataires/{provider.slug}/signaler/").status_code == 404


def test_moderator_closes_a_report_from_the_queue(moderator_client):
    report = report_on(ProviderFactory(name="Libre Évry"))
    page = moderator_client.get(QUEUE).content.decode()
    assert "Signalements (1)" in page and "Le téléphone a changé." in page
    moderator_client.post(f"{QUEUE}report/{report.pk}/", {"decision": "resolved"})
    report.refresh_from_db()
    assert report.status == ReportStatus.RESOLVED and report.handled_by is not None


# The queue ---------------------------------------------------------------------------


def test_two_moderators_deciding_the_same_item_at_once_cannot_both_win(idf_moderator):
    """Both opened the queue; the first decision stands, the second is refused and
    nobody gets a contradictory e-mail."""
    listing = ProviderFactory(name="Libre Évry", email="owner@libre-evry.example")
    submission = ProviderFactory(name="Nouvelle", status=Status.PENDING)
    revision, report = revision_on(listing), report_on(listing)
    seen_by_second = (
        Provider.objects.get(pk=submission.pk),
        Revision.objects.get(pk=revision.pk),
        Report.objects.get(pk=report.pk),
    )

    decisions.approve_submission(submission, idf_moderator, submission.version)
    decisions.approve_revision(revision, idf_moderator)
    decisions.close_report(report, idf_moderator, ReportStatus.DISMISSED)
    mail.outbox.clear()
    with pytest.raises(ValueError, match="déjà été traitée"):
        decisions.reject_submission(seen_by_second[0], idf_moderator, "Trop tard.")
    with pytest.raises(ValueError, match="déjà été examinée"):
        decisions.reject_revision(seen_by_second[1], idf_moderator, "Trop tard.")
    with pytest.raises(ValueError, match="déjà été traité"):
        decisions.close_report(seen_by_second[2], idf_moderator, ReportStatus.RESOLVED)

    assert Provider.objects.get(pk=submission.pk).status == Status.PUBLISHED
    assert Revision.objects.get(pk=revision.pk).status == ReviewStatus.APPROVED
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DISMISSED
    assert Provider.objects.get(pk=listing.pk).description == "Nouvelle description"
    assert mail.outbox == []


def test_queue_lists_oldest_first_and_only_the_moderators_clusters(moderator_client, aura_cluster):
    older = revision_on(ProviderFactory(name="Ancienne demande"))
    newer = revision_on(ProviderFactory(name="Récente demande"))
    Revision.objects.filter(pk=older.pk).update(created_at=newer.created_at.replace(year=2025))
    revision_on(ProviderFactory(name="Lyonnais", seat=commune("69123"), cluster=aura_cluster))
    report_on(ProviderFactory(name="Autre région", seat=commune("69123"), cluster=aura_cluster))
    page = moderator_client.get(QUEUE).content.decode()
    assert page.index("Ancienne demande") < page.index("Récente demande")
    assert "Lyonnais" not in page and "Autre région" not in page
    assert "Mises à jour proposées (2)" in page


def test_after_a_big_import_the_queue_shows_the_oldest_and_counts_the_rest(moderator_client):
    from providers.curation.queue import SHOWN

    ProviderFactory.create_batch(SHOWN + 3, status=Status.PENDING)
    page = moderator_client.get(QUEUE).content.decode()
    assert f"Demandes de référencement ({SHOWN + 3})" in page
    assert page.count('class="module moderation-item"') == SHOWN
    assert "?status__exact=pending" in page


def test_unconfirmed_submissions_stay_out_of_the_queue(moderator_client):
    ProviderFactory(name="Pas confirmée", status=Status.PENDING, email_confirmed_at=None)
    ProviderFactory(name="Confirmée", status=Status.PENDING)
    page = moderator_client.get(QUEUE).content.decode()
    assert "Confirmée" in page and "Pas confirmée" not in page


@pytest.mark.parametrize("kind", ["submission", "revision", "report"])
def test_a_moderator_cannot_decide_on_another_clusters_items(moderator_client, aura_cluster, kind):
    other = ProviderFactory(seat=commune("69123"), cluster=aura_cluster, status=Status.PENDING)
    item = {"submission": other, "revision": revision_on(other), "report": report_on(other)}[kind]
    decision = "resolved" if kind == "report" else "approve"
    response = moderator_client.post(
        f"{QUEUE}{kind}/{item.pk}/", {"decision": decision}, follow=True
    )
    assert "ne relève pas de vos grappes" in response.content.decode()
    other.refresh_from_db()
    assert other.status == Status.PENDING
    assert not Revision.objects.filter(status=ReviewStatus.APPROVED).exists()
    assert not Report.objects.filter(status=ReportStatus.RESOLVED).exists()


def test_revision_and_report_admin_pages_are_scoped(moderator_client, aura_cluster):
    other = ProviderFactory(seat=commune("69123"), cluster=aura_cluster)
    mine = ProviderFactory()
    for model, item in (("revision", revision_on(other)), ("report", report_on(other))):
        assert (
            moderator_client.get(f"/admin/providers/{model}/{item.pk}/change/").status_code == 404
        )
    assert (
        moderator_client.get(
            f"/admin/providers/revision/{revision_on(mine).pk}/change/"
        ).status_code
        == 200
    )
    listing = moderator_client.get("/admin/providers/report/").context["cl"].result_list
    assert all(report.provider == mine for report in listing)


def test_the_queue_and_decisions_need_staff_access(client):
    revision = revision_on(ProviderFactory())
    assert client.get(QUEUE).status_code == 302  # to the login page
    client.post(f"{QUEUE}revision/{revision.pk}/", {"decision": "approve"})
    revision.refresh_from_db()
    assert revision.status == ReviewStatus.PENDING


def test_decisions_require_post_and_csrf(idf_cluster):
    revision = revision_on(ProviderFactory())
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ModeratorFactory(clusters=[idf_cluster]))
    assert (
        strict.post(f"{QUEUE}revision/{revision.pk}/", {"decision": "approve"}).status_code == 403
    )
    strict.get(f"{QUEUE}revision/{revision.pk}/")
    revision.refresh_from_db()
    assert revision.status == ReviewStatus.PENDING


# Audit history -----------------------------------------------------------------------


def test_every_admin_change_is_in_the_history_with_its_author(moderator_client):
    provider = ProviderFactory(name="Historique")
    OfferingFactory(provider=provider)
    moderator_client.post(
        "/admin/providers/provider/", {"action": "archive", "_selected_action": [provider.pk]}
    )
    record = provider.history.first()
    assert record.status == Status.ARCHIVED
    assert record.history_user.username == "modo@idf.example"
    page = moderator_client.get(f"/admin/providers/provider/{provider.pk}/history/")
    assert page.status_code == 200
    assert "modo@idf.example" in page.content.decode()
    offering = provider.offerings.get()
    assert (
        moderator_client.get(f"/admin/offerings/offering/{offering.pk}/history/").status_code == 200
    )


def test_history_of_another_clusters_provider_is_404(moderator_client, aura_cluster):
    other = ProviderFactory(seat=commune("69123"), cluster=aura_cluster)
    record = other.history.first()
    assert moderator_client.get(f"/admin/providers/provider/{other.pk}/history/").status_code == 404
    url = f"/admin/providers/provider/{other.pk}/history/{record.history_id}/"
    assert moderator_client.get(url).status_code == 404


# Merging duplicates ------------------------------------------------------------------


def test_merging_two_duplicates_keeps_everything_and_redirects(moderator_client, client):
    dolibarr = SoftwareFactory(name="Dolibarr")
    keep = ProviderFactory(name="Libre Évry", service_areas=[departement("91")], phone="")
    twin = ProviderFactory(
        name="Libre Evry SARL",
        service_areas=[departement("77")],
        phone="01 99 00 11 22",
        siren="552100554",
    )
    twin.labels.add(LabelFactory(name="Qualiopi"))
    OfferingFactory(provider=keep, software=dolibarr, kinds=["installation"])
    OfferingFactory(provider=twin, software=dolibarr, kinds=["formation"])
    OfferingFactory(provider=twin, software=SoftwareFactory(name="Moodle"), kinds=["formation"])
    report_on(twin)
    url = "/admin/providers/provider/"
    confirm = moderator_client.post(
        url, {"action": "merge", "_selected_action": [keep.pk, twin.pk]}
    )
    assert "Quelle fiche garder ?" in confirm.content.decode()
    moderator_client.post(
        url,
        {
            "action": "merge",
            "_selected_action": [keep.pk, twin.pk],
            "confirm": "yes",
            "keep": keep.pk,
        },
    )
    assert not Provider.objects.filter(pk=twin.pk).exists()
    keep.refresh_from_db()
    assert {a.code for a in keep.service_areas.all()} == {"91", "77"}
    assert {label.name for label in keep.labels.all()} == {"Qualiopi"}
    assert keep.phone == "01 99 00 11 22" and keep.siren == "552100554"
    kinds = {o.software.name: {k.slug for k in o.service_kinds.all()} for o in keep.offerings.all()}
    assert kinds == {"Dolibarr": {"installation", "formation"}, "Moodle": {"formation"}}
    assert keep.reports.count() == 1
    assert SlugRedirect.objects.get(old_slug=twin.slug).provider == keep
    response = client.get(f"/prestataires/{twin.slug}/")
    assert response.status_code == 301 and response["Location"] == f"/prestataires/{keep.slug}/"


def test_merge_needs_exactly_two_listings_of_ones_own(moderator_client, aura_cluster):
    mine = ProviderFactory()
    other = ProviderFactory(seat=commune("69123"), cluster=aura_cluster)
    response = moderator_client.post(
        "/admin/providers/provider/",
        {
            "action": "merge",
            "_selected_action": [mine.pk, other.pk],
            "confirm": "yes",
            "keep": mine.pk,
        },
        follow=True,
    )
    assert "Sélectionnez exactement deux fiches" in response.content.decode()
    assert Provider.objects.filter(pk=other.pk).exists()


def test_superuser_sees_every_submission_even_unconfirmed():
    client = Client()
    client.force_login(SuperuserFactory())
    provider = ProviderFactory(status=Status.PENDING, email_confirmed_at=None)
    assert client.get(f"/admin/providers/provider/{provider.pk}/change/").status_code == 200
