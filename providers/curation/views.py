"""Public self-service: submit a listing, owners' updates by magic link, error reports."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.ratelimit import allow, client_ip
from providers.models import Cluster, LinkPurpose, Provider, Status

from . import emails, links
from .decisions import propose_revision, queue_url
from .forms import (
    OFFERINGS_PREFIX,
    OfferingFormSet,
    ProviderForm,
    ReportForm,
    listing_data,
    offering_formset,
    shown_as_typed,
)
from .snapshots import apply_data

ADD_ROW = "ajouter_ligne"


def _with_extra_row(data):
    """The posted data with one more (empty) offering row."""
    data = data.copy()
    key = f"{OFFERINGS_PREFIX}-TOTAL_FORMS"
    total = data.get(key, "0")
    number = int(total) if total.isascii() and total.isdigit() and len(total) < 4 else 0
    data[key] = str(min(number + 1, 30))
    return data


def _listing_forms(request, provider=None):
    """The listing form and its offering rows, blank or prefilled on GET, bound on POST.

    « Ajouter une ligne d'offre » posts the form back to show one more row; the third
    value says so. The form is then shown again as typed, never validated: nothing is
    resolved (places typed in every line cost up to 40 ms each)."""
    instance = {"instance": provider} if provider is not None else {}
    if request.method != "POST":
        return ProviderForm(**instance), offering_formset(provider=provider), False
    adding_row = ADD_ROW in request.POST
    data = _with_extra_row(request.POST) if adding_row else request.POST
    formset = OfferingFormSet(data, prefix=OFFERINGS_PREFIX)
    form = ProviderForm(data, **instance)
    if adding_row:
        shown_as_typed(form, formset)
    return form, formset, adding_row


def _too_many_rows(request):
    """The add-row button within its hourly limit per address (FORM_ROWS_PER_HOUR); past
    it, a short page, so that a client pressing it in a loop costs almost nothing (the
    form, re-rendered, costs ≈ 100 ms). The browser's « back » keeps what was typed."""
    if request.method != "POST" or ADD_ROW not in request.POST:
        return None
    if allow("add-row", client_ip(request), settings.FORM_ROWS_PER_HOUR):
        return None
    return render(request, "providers/too_many_rows.html", status=429)


@require_http_methods(["GET", "HEAD", "POST"])
def submit(request):
    """« Référencer mon entreprise »: stored as a pending listing, never published as is."""
    status = 200
    refused = _too_many_rows(request)
    if refused is not None:
        return refused
    form, formset, adding_row = _listing_forms(request)
    if request.method == "POST" and not adding_row:
        limit = settings.SUBMISSIONS_PER_HOUR
        if not allow("submit", client_ip(request), limit):
            form.add_error(
                None, _("Trop d'envois depuis votre connexion : réessayez dans une heure.")
            )
            status = 429
        elif form.is_valid() & formset.is_valid():
            # Likely duplicates are shown first; the person confirms before anything is stored.
            confirmed = not form.find_duplicates() or form.cleaned_data["confirm_not_duplicate"]
            if confirmed and _create_submission(form, formset) is not None:
                return redirect("providers:submit_done")
    return render(
        request,
        "providers/submit.html",
        {
            "form": form,
            "formset": formset,
            "show_errors": not adding_row,
            "add_row": ADD_ROW,
        },
        status=status,
    )


def _create_submission(form, formset):
    data = listing_data(form, formset)
    seat = form.cleaned_data["seat_text"]
    try:
        with transaction.atomic():
            provider = Provider(
                status=Status.PENDING, seat=seat, cluster=Cluster.objects.covering(seat).first()
            )
            apply_data(provider, data)
            link = links.issue(provider, LinkPurpose.CONFIRM_SUBMISSION, provider.email)
            # Unless the address was written to often enough this hour.
            if allow("ack", provider.email.lower(), settings.SUBMISSIONS_PER_HOUR):
                emails.send(
                    "submission_ack",
                    [provider.email],
                    provider=provider,
                    link=link,
                    hours=links.lifetime_hours(LinkPurpose.CONFIRM_SUBMISSION),
                )
    except IntegrityError:  # the same SIREN, sent twice at the same moment
        form.add_error("siren", _("Un prestataire avec ce SIREN existe déjà."))
        return None
    return provider


def submit_done(request):
    return render(request, "providers/submit_done.html")


def _link_invalid(request):
    return render(request, "providers/link_invalid.html", status=404)


def _confirmation(request, token, purpose, action, confirm):
    """A one-button page behind an e-mailed link: GET shows it (and spends nothing),
    POST spends the link and runs `confirm(provider)`."""
    link = links.find(token, purpose)
    if link is None:
        return _link_invalid(request)
    if request.method != "POST":
        return render(
            request, "providers/confirm.html", {"provider": link.provider, "action": action}
        )
    if not links.consume(link):
        return _link_invalid(request)
    provider = confirm(link.provider)
    return render(
        request,
        "providers/confirmed.html",
        {"provider": provider, "verified": purpose == LinkPurpose.STILL_ACCURATE},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def confirm_submission(request, token):
    def confirm(provider):
        with transaction.atomic():
            provider.email_confirmed_at = timezone.now()
            provider.save(update_fields=["email_confirmed_at", "updated_at"])
            emails.notify_moderators(provider, "moderators_new_submission", queue_url=queue_url())
        return provider

    return _confirmation(request, token, LinkPurpose.CONFIRM_SUBMISSION, "submission", confirm)


def _mask(email):
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


@require_http_methods(["GET", "HEAD", "POST"])
def request_update(request, slug):
    """« Vous êtes ce prestataire ? »: e-mail a single-use edit link to the listing's contact."""
    # Hidden listings too (website down): their owner is asked to come and fix them.
    provider = get_object_or_404(Provider.objects.filter(status=Status.PUBLISHED), slug=slug)
    sent = False
    error = ""
    if request.method == "POST" and provider.email:
        limit = settings.LINK_REQUESTS_PER_HOUR
        if not (
            allow("link-ip", client_ip(request), limit)
            and allow("link-provider", provider.pk, limit)
        ):
            error = _("Trop de demandes : réessayez dans une heure.")
        else:
            with transaction.atomic():
                sent = emails.send(
                    "edit_link",
                    [provider.email],
                    provider=provider,
                    link=links.issue(provider, LinkPurpose.EDIT, provider.email),
                    hours=links.lifetime_hours(LinkPurpose.EDIT),
                )
    context = {
        "provider": provider,
        "masked_email": _mask(provider.email) if provider.email else "",
        "sent": sent,
        "error": error,
    }
    return render(request, "providers/request_update.html", context, status=429 if error else 200)


@require_http_methods(["GET", "HEAD", "POST"])
def owner_edit(request, token):
    """The edit form behind a magic link. A published listing gets a revision awaiting
    review; a listing still pending (changes requested) is corrected directly."""
    link = links.find(token, LinkPurpose.EDIT)
    if link is None:
        return _link_invalid(request)
    provider = Provider.objects.select_related("seat").get(pk=link.provider_id)
    if provider.status not in (Status.PUBLISHED, Status.PENDING):
        return render(request, "providers/edit_closed.html", {"provider": provider}, status=410)
    refused = _too_many_rows(request)
    if refused is not None:
        return refused
    form, formset, adding_row = _listing_forms(request, provider)
    submitted = request.method == "POST" and not adding_row
    if submitted and form.is_valid() & formset.is_valid():
        data = listing_data(form, formset)
        if not links.consume(link):
            return _link_invalid(request)
        provider, outcome = _record_owner_edit(provider.pk, data, link.email)
        if outcome == "closed":
            return render(request, "providers/edit_closed.html", {"provider": provider}, status=410)
        return render(request, "providers/edit_done.html", {"provider": provider})
    return render(
        request,
        "providers/edit.html",
        {
            "form": form,
            "formset": formset,
            "provider": provider,
            "show_errors": not adding_row,
            "add_row": ADD_ROW,
        },
    )


def _record_owner_edit(provider_id, data, email):
    """Under a row lock, so that a moderator's decision and the owner's edit never
    interleave: a published listing gets a revision to review; a submission still
    pending is corrected in place and goes back to the queue; anything else is closed."""
    with transaction.atomic():
        provider = (
            Provider.objects.select_for_update(of=("self",))
            .select_related("seat")
            .get(pk=provider_id)
        )
        if provider.status == Status.PUBLISHED:
            outcome = "revision"
        elif provider.status == Status.PENDING:
            apply_data(provider, data)
            provider.changes_requested_at = None
            provider.save(update_fields=["changes_requested_at", "updated_at"])
            outcome = "corrected"
            emails.notify_moderators(provider, "moderators_new_submission", queue_url=queue_url())
        else:
            return provider, "closed"
    if outcome == "revision":
        propose_revision(provider, data, email)
    return provider, outcome


@require_http_methods(["GET", "HEAD", "POST"])
def still_accurate(request, token):
    """The one-click « toujours exact » answer to a staleness reminder."""

    def confirm(provider):
        with transaction.atomic():
            provider = Provider.objects.select_for_update().get(pk=provider.pk)
            provider.mark_verified()
            provider.save()
            provider.provenances.verify()  # the owner vouched for what a catalogue gave
        return provider

    return _confirmation(request, token, LinkPurpose.STILL_ACCURATE, "accurate", confirm)


@require_http_methods(["GET", "HEAD", "POST"])
def report(request, slug):
    """« Signaler une erreur »: a short form that lands in the moderators' queue."""
    provider = get_object_or_404(Provider.objects.published(), slug=slug)
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST)
        if not allow("report", client_ip(request), settings.REPORTS_PER_HOUR):
            form.add_error(
                None, _("Trop de signalements depuis votre connexion : réessayez plus tard.")
            )
            status = 429
        elif form.is_valid():
            with transaction.atomic():
                report = form.save(commit=False)
                report.provider = provider
                report.save()
                emails.notify_moderators(
                    provider, "moderators_new_report", report=report, queue_url=queue_url()
                )
            return redirect(reverse("providers:report_done", args=[provider.slug]))
    else:
        form = ReportForm()
    return render(
        request, "providers/report.html", {"form": form, "provider": provider}, status=status
    )


def report_done(request, slug):
    provider = get_object_or_404(Provider.objects.published(), slug=slug)
    return render(request, "providers/report_done.html", {"provider": provider})
