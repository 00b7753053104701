"""Providers (the companies listed), the clusters that curate them, and their labels."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Case, Exists, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.geo import bounding_box, distance_km_expression, distance_label, haversine_km
from core.pagecache import forget_pages
from core.publication import Status, visible_publicly_q
from core.slugs import SlugFromNameMixin
from core.text import clean_text, slug_for
from offerings.models import Offering, ServiceKind, Software
from territories.models import Level, Territory

from .fields import SirenField
from .search.sql import database_vendor, relevance, text_condition
from .validators import validate_phone, validate_year_founded


class Workforce(models.TextChoices):
    """INSEE's tranches d'effectif salarié (codes of the SIRENE register)."""

    NONE = "00", _("0 salarié")
    FROM_1 = "01", _("1 ou 2 salariés")
    FROM_3 = "02", _("3 à 5 salariés")
    FROM_6 = "03", _("6 à 9 salariés")
    FROM_10 = "11", _("10 à 19 salariés")
    FROM_20 = "12", _("20 à 49 salariés")
    FROM_50 = "21", _("50 à 99 salariés")
    FROM_100 = "22", _("100 à 199 salariés")
    FROM_200 = "31", _("200 à 249 salariés")
    FROM_250 = "32", _("250 à 499 salariés")
    FROM_500 = "41", _("500 à 999 salariés")
    FROM_1000 = "42", _("1 000 à 1 999 salariés")
    FROM_2000 = "51", _("2 000 à 4 999 salariés")
    FROM_5000 = "52", _("5 000 à 9 999 salariés")
    FROM_10000 = "53", _("10 000 salariés et plus")


class ClusterQuerySet(models.QuerySet):
    def curated_by(self, user):
        """The clusters `user` moderates; every cluster for a superuser."""
        return self if user.is_superuser else self.filter(moderators=user)

    def covering(self, seat):
        """Clusters whose régions contain the commune `seat`, the oldest first."""
        return self.filter(regions=seat.region_id).order_by("pk")

    def curating(self, provider):
        """The clusters that curate `provider`: its own, and those covering its seat."""
        covering = Q(regions=provider.seat.region_id) if provider.seat_id else Q(pk__in=[])
        return self.filter(Q(pk=provider.cluster_id) | covering).distinct()


class Cluster(SlugFromNameMixin, models.Model):
    """A regional association of open-source companies that curates listings."""

    name = models.CharField(_("nom"), max_length=150, unique=True)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    website = models.URLField(_("site web"), blank=True)
    email = models.EmailField(_("adresse de contact"), blank=True)
    description = models.TextField(_("présentation"), blank=True)
    regions = models.ManyToManyField(
        Territory,
        verbose_name=_("régions couvertes"),
        related_name="clusters",
        blank=True,
        limit_choices_to={"level": Level.REGION},
    )
    moderators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modérateurs"),
        related_name="moderated_clusters",
        blank=True,
    )
    is_demo = models.BooleanField(_("démonstration"), default=False, editable=False)

    objects = ClusterQuerySet.as_manager()

    class Meta:
        verbose_name = _("grappe régionale")
        verbose_name_plural = _("grappes régionales")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Locality(models.IntegerChoices):
    """How close a provider's seat is to the place searched (`ProviderQuerySet.with_locality`);
    results are listed closest first, and the card shows the label as a badge."""

    ELSEWHERE = 0, ""
    REGION = 1, _("Dans la région")
    DEPARTEMENT = 2, _("Dans le département")
    EPCI = 3, _("Dans l'intercommunalité")
    SEAT = 4, _("Installé sur place")


# What a company says about itself: the fields an owner may change through a revision,
# that a submission, a spreadsheet import and a merge fill in. The rest (status, cluster,
# slug, verification and liveness dates) is the moderators' and the scheduled jobs' business.
LISTING_FIELDS = (
    "name",
    "siren",
    "description",
    "website",
    "email",
    "show_email",
    "phone",
    "address",
    "postal_code",
    "serves_whole_country",
    "workforce",
    "year_founded",
    "accepts_new_clients",
)


def website_domain(url, *, keep_www=False):
    """The host name of a website address ("www." dropped, for comparing two sites)."""
    host = (urlsplit(url).hostname or "") if url else ""
    return host if keep_www else host.removeprefix("www.")


def within_scope(user, cluster, seat):
    """Whether a listing with this cluster and seat is one `user` may curate (the rule of
    `ProviderQuerySet.editable_by`, for a listing being created or changed)."""
    if user.is_superuser:
        return True
    in_scope = Q(pk__in=[cluster.pk] if cluster is not None else [])
    if seat is not None:
        in_scope |= Q(regions=seat.region_id)
    return Cluster.objects.curated_by(user).filter(in_scope).exists()


class LabelKind(models.TextChoices):
    CERTIFICATION = "certification", _("Certification")
    PARTNER = "partenaire", _("Partenaire d'un éditeur")
    NETWORK = "reseau", _("Réseau ou collectif")
    ESS = "ess", _("Économie sociale et solidaire")


class Label(SlugFromNameMixin, models.Model):
    """A label or certification: Qualiopi, Dolibarr Preferred Partner, CHATONS, ESS…"""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    kind = models.CharField(_("nature"), max_length=16, choices=LabelKind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    website = models.URLField(_("site web"), blank=True)
    software = models.ForeignKey(
        "offerings.Software",
        verbose_name=_("logiciel concerné"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="labels",
        help_text=_("Pour un label de partenaire d'éditeur."),
    )

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["name"]

    def __str__(self):
        return self.name


CONCEPT_WEIGHT = 20
# A precise position is somewhere in or near the seat commune; further, it is a mistake.
MAX_KM_FROM_SEAT = 50
# Where a provider is: the point a moderator set, else its seat commune's point.
POSITION_LATITUDE = Coalesce("latitude", "seat__latitude")
POSITION_LONGITUDE = Coalesce("longitude", "seat__longitude")


def covering_q(territory):
    """`ProviderQuerySet.covering` as a Q object, to combine with other conditions."""
    through = Provider.service_areas.through
    covered = through.objects.filter(
        provider_id=OuterRef("pk"), territory_id__in=territory.self_and_ancestor_ids()
    )
    return Q(serves_whole_country=True) | Exists(covered)


def within_km_q(origin, radius_km):
    """`ProviderQuerySet.within_km` as a Q object: a bounding box in plain comparisons,
    then the exact distance for what it keeps. Nothing when `origin` has no point."""
    if origin.latitude is None:
        return Q(pk__in=[])
    south, north, west, east = bounding_box(origin.latitude, origin.longitude, radius_km)
    distance = distance_km_expression(
        POSITION_LATITUDE, POSITION_LONGITUDE, origin.latitude, origin.longitude
    )
    precise_in_box = Q(latitude__range=(south, north), longitude__range=(west, east))
    seat_in_box = Q(
        latitude__isnull=True,
        seat__latitude__range=(south, north),
        seat__longitude__range=(west, east),
    )
    return (precise_in_box | seat_in_box) & Q(LessThanOrEqual(distance, radius_km))


def _offers(software_ids):
    """The offerings of the outer provider for one of these programs."""
    return Offering.objects.filter(provider=OuterRef("pk"), software__in=software_ids)


class ProviderQuerySet(models.QuerySet):
    def published(self):
        """What the public may see. Every public page, export and API goes through this."""
        return self.filter(visible_publicly_q())

    def serving(self, territory):
        """Providers able to serve `territory`. The one definition, used everywhere.

        A provider serves T when it covers T (`covering`) or when its seat is inside T (a
        company serves its own place). A provider whose service areas are only *parts* of
        T (one commune of a département) is not listed for T.
        """
        return self.filter(covering_q(territory) | territory.communes_q("seat__"))

    def covering(self, territory):
        """Providers whose service areas include `territory` or a territory containing it
        (its EPCI, département, région), or that serve the whole country."""
        return self.filter(covering_q(territory))

    def with_distance(self, origin):
        """Annotate `distance_km`: from the commune `origin`'s point to the provider's
        position (POSITION_LATITUDE, POSITION_LONGITUDE), NULL where either is unknown."""
        if origin.latitude is None:
            return self.annotate(distance_km=Value(None, output_field=models.FloatField()))
        return self.annotate(
            distance_km=distance_km_expression(
                POSITION_LATITUDE, POSITION_LONGITUDE, origin.latitude, origin.longitude
            )
        )

    def near(self, origin, radius_km):
        """The search's radius: providers positioned within `radius_km` of the commune
        `origin`'s point, *and* those covering it (`covering`) wherever they are seated."""
        return self.filter(within_km_q(origin, radius_km) | covering_q(origin))

    def with_locality(self, territory):
        """Annotate `locality` (a `Locality`): SEAT when the seat is inside `territory`,
        EPCI in the same intercommunalité, DEPARTEMENT in the same département, REGION in
        the same région (when `territory` is a département), ELSEWHERE otherwise."""
        tiers = [When(territory.communes_q("seat__"), then=Value(Locality.SEAT))]
        if territory.level == Level.COMMUNE and territory.epci_id:
            tiers.append(When(seat__epci=territory.epci_id, then=Value(Locality.EPCI)))
        if territory.level in (Level.COMMUNE, Level.EPCI) and territory.departement_id:
            tiers.append(
                When(seat__departement=territory.departement_id, then=Value(Locality.DEPARTEMENT))
            )
        if territory.level == Level.DEPARTEMENT and territory.region_id:
            tiers.append(When(seat__region=territory.region_id, then=Value(Locality.REGION)))
        return self.annotate(
            locality=Case(
                *tiers, default=Value(Locality.ELSEWHERE), output_field=models.IntegerField()
            )
        )

    def offering(self, software=(), categories=(), services=(), software_ids=None):
        """Providers with one offering that matches all given criteria at once:
        software slugs, software categories, service-kind slugs and, for a need or a
        product the query named, the ids of its programs ("Dolibarr" and "formation"
        means training on Dolibarr, not Dolibarr plus any training)."""
        offerings = Offering.objects.filter(provider=OuterRef("pk"))
        if software_ids is not None:
            offerings = offerings.filter(software__in=software_ids)
        if software:
            offerings = offerings.filter(software__slug__in=software)
        if categories:
            offerings = offerings.filter(software__category__in=categories)
        if services:
            offerings = offerings.filter(service_kinds__slug__in=services)
        return self.filter(Exists(offerings))

    def search(self, token_groups, concepts=(), optional_groups=()):
        """Providers matching every token group (see providers.search) and, for each
        phrase read as needs, products or categories (`concepts`: per phrase, the software
        ids of each concept it named), offering one of their programs; with `relevance`:
        the words' weights, plus CONCEPT_WEIGHT for each concept a provider answers
        (« site internet » is a need and a category: a WordPress shop answers both).
        `optional_groups` only add to `relevance`."""
        queryset = self
        score = relevance([*token_groups, *optional_groups])
        for phrase in concepts:
            every_program = {pk for software_ids in phrase for pk in software_ids}
            queryset = queryset.filter(Exists(_offers(every_program)))
            if len(phrase) > 1:
                for software_ids in phrase:
                    answered = Case(When(Exists(_offers(software_ids)), then=Value(1)), default=0)
                    score = score + answered * CONCEPT_WEIGHT
        if token_groups:
            queryset = queryset.filter(text_condition(token_groups, database_vendor(self)))
        elif not concepts:
            return queryset
        return queryset.annotate(relevance=Coalesce(score, 0, output_field=models.IntegerField()))

    def with_offerings(self):
        """Prefetch offerings with their software and service kinds (two queries in all)."""
        return self.prefetch_related(
            Prefetch(
                "offerings",
                queryset=Offering.objects.select_related("software").prefetch_related(
                    "service_kinds"
                ),
            )
        )

    def for_listing(self):
        """What a result list shows, in a fixed number of queries whatever its length."""
        return self.select_related("seat", "seat__region").with_offerings()

    def count_by_region(self):
        """{région pk: number of providers seated there}, in one query."""
        return dict(
            self.order_by()
            .values_list("seat__region")
            .annotate(count=models.Count("pk"))
            .values_list("seat__region", "count")
        )

    def offered_counts(self):
        """(programs, services): providers per program, most first, and per kind of
        service, in display order, as rows {software__slug, software__name, count} and
        {service_kinds__slug, service_kinds__name, count}; counted from the SearchFacet rows
        in one grouped query instead of joining offerings and their services twice."""
        facets = (
            SearchFacet.objects.filter(
                provider__in=self.order_by().values("pk"),
                kind__in=[FacetKind.SOFTWARE, FacetKind.SERVICE],
            )
            .values_list("kind", "value")
            .annotate(count=models.Count("pk"))
            .order_by()
        )
        counts = {FacetKind.SOFTWARE: {}, FacetKind.SERVICE: {}}
        for kind, value, count in facets:
            counts[kind][value] = count
        programs = _named_counts(Software, "software", counts[FacetKind.SOFTWARE])
        programs.sort(key=lambda row: (-row["count"], row["software__name"]))
        return programs, _named_counts(ServiceKind, "service_kinds", counts[FacetKind.SERVICE])

    def located_in(self, territory):
        """Providers whose registered seat is inside `territory`."""
        return self.filter(territory.communes_q("seat__"))

    def stale(self, now=None):
        """Providers not verified for STALE_AFTER_DAYS (or never)."""
        now = now or timezone.now()
        limit = now - datetime.timedelta(days=settings.STALE_AFTER_DAYS)
        return self.filter(Q(last_verified_at__lt=limit) | Q(last_verified_at__isnull=True))

    def website_flagged(self):
        """Providers whose website has failed for WEBSITE_FLAG_AFTER_DAYS days in a row."""
        return self.filter(website_failure_days__gte=settings.WEBSITE_FLAG_AFTER_DAYS)

    def editable_by(self, user):
        """Providers a moderator may curate: those of their clusters, or seated in a
        région one of their clusters covers, except submissions whose e-mail address
        is not confirmed yet. Superusers curate everything."""
        if not user.is_active or not user.is_staff:
            return self.none()
        if user.is_superuser:
            return self
        clusters = Cluster.objects.curated_by(user)
        return self.filter(
            Q(cluster__in=clusters) | Q(seat__region__in=clusters.values("regions"))
        ).exclude(status=Status.PENDING, email_confirmed_at__isnull=True)

    def publish(self, user=None):
        """Publish each provider, as vouched for now; returns how many. Those without a
        seat (imported « à classer ») cannot be published and are left as they are."""

        def publish(provider):
            provider.status = Status.PUBLISHED
            provider.mark_verified()

        return self.filter(seat__isnull=False)._save_each(publish, user)

    def archive(self, user=None):
        def archive(provider):
            provider.status = Status.ARCHIVED

        return self._save_each(archive, user)

    def _save_each(self, change, user):
        """Change and save the providers one by one, so the audit history records each
        change and who made it."""
        count = 0
        for provider in self:
            change(provider)
            provider._history_user = user
            provider.save()
            count += 1
        return count


class Provider(models.Model):
    name = models.CharField(_("raison sociale ou nom commercial"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    siren = SirenField(
        _("SIREN"),
        blank=True,
        help_text=_("9 chiffres, espaces permis (par exemple 552 100 554)."),
    )
    description = models.TextField(_("présentation"), max_length=5000, blank=True)
    website = models.URLField(_("site web"), blank=True)
    email = models.EmailField(
        _("adresse e-mail de contact"),
        blank=True,
        help_text=_("Reçoit les liens de mise à jour de la fiche ; publiée seulement si cochée."),
    )
    show_email = models.BooleanField(_("afficher l'adresse e-mail sur la fiche"), default=False)
    phone = models.CharField(_("téléphone"), max_length=25, blank=True, validators=[validate_phone])
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    # Required to publish; a listing imported from a national catalogue (which gives no
    # address) waits without one, « à classer », until a moderator sets it.
    seat = models.ForeignKey(
        Territory,
        verbose_name=_("commune du siège"),
        on_delete=models.PROTECT,
        null=True,
        related_name="seated_providers",
        limit_choices_to={"level": Level.COMMUNE},
    )
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_(
            "Position précise (degrés décimaux, WGS84), facultative : sans elle, la fiche est "
            "placée au point de la commune du siège."
        ),
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    service_areas = models.ManyToManyField(
        Territory,
        verbose_name=_("zones d'intervention"),
        related_name="served_by",
        blank=True,
        help_text=_("Communes, intercommunalités, départements ou régions desservis."),
    )
    serves_whole_country = models.BooleanField(
        _("toute la France / à distance"),
        default=False,
        help_text=_("Intervient partout en France, y compris à distance."),
    )
    workforce = models.CharField(
        _("effectif salarié"), max_length=2, choices=Workforce.choices, blank=True
    )
    year_founded = models.PositiveSmallIntegerField(
        _("année de création"), null=True, blank=True, validators=[validate_year_founded]
    )
    labels = models.ManyToManyField(
        Label, verbose_name=_("labels et certifications"), related_name="providers", blank=True
    )
    accepts_new_clients = models.BooleanField(_("accepte de nouveaux clients"), default=True)
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("grappe régionale"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="providers",
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True, editable=False)
    last_verified_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)
    # Self-service: a submission counts for moderators once its e-mail is confirmed.
    email_confirmed_at = models.DateTimeField(
        _("adresse confirmée le"), null=True, blank=True, editable=False
    )
    changes_requested_at = models.DateTimeField(
        _("modifications demandées le"), null=True, blank=True, editable=False
    )
    # Staleness (manage.py remind_stale).
    reminded_at = models.DateTimeField(
        _("relance envoyée le"), null=True, blank=True, editable=False
    )
    # Liveness of the website (manage.py check_websites).
    website_checked_at = models.DateTimeField(
        _("site vérifié le"), null=True, blank=True, editable=False
    )
    website_failure_days = models.PositiveSmallIntegerField(
        _("jours d'échec consécutifs du site"), default=0, editable=False
    )
    website_last_failure_on = models.DateField(null=True, blank=True, editable=False)
    website_error = models.CharField(
        _("dernière erreur du site"), max_length=200, blank=True, editable=False
    )
    website_owner_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    hidden_unreachable = models.BooleanField(
        _("masqué : site injoignable"),
        default=False,
        editable=False,
        help_text=_("Masqué du public tant que le site web ne répond plus."),
    )
    # Search fields, computed by providers.search.indexer.refresh_search_documents.
    search_names = models.TextField(editable=False, default="")
    search_topics = models.TextField(editable=False, default="")
    search_text = models.TextField(editable=False, default="")
    search_document = models.TextField(editable=False, default="")
    is_demo = models.BooleanField(
        _("fiche de démonstration"),
        default=False,
        editable=False,
        help_text=_("Créée par manage.py load_demo : entreprise fictive."),
    )

    objects = ProviderQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=[
            "search_names",
            "search_topics",
            "search_text",
            "search_document",
            "website_checked_at",
        ],
        m2m_fields=["service_areas", "labels"],
    )

    class Meta:
        verbose_name = _("prestataire")
        verbose_name_plural = _("prestataires")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["siren"],
                condition=~Q(siren=""),
                name="provider_unique_siren",
                violation_error_message=_("Un prestataire avec ce SIREN existe déjà."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="provider_whole_position",
                violation_error_message=_(
                    "Indiquez la latitude et la longitude, ou aucune des deux."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED) | Q(seat__isnull=False),
                name="provider_published_has_seat",
                violation_error_message=_("Indiquez la commune du siège avant de publier."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "name"], name="provider_status_name_idx"),
            models.Index(fields=["last_verified_at"], name="provider_verified_idx"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self._unique_slug()
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
            self.last_verified_at = self.last_verified_at or self.published_at
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("providers:detail", args=[self.slug])

    @staticmethod
    def path_maker():
        """slug -> the path of that provider's page, from a single reverse(): for
        downloads that give thousands of addresses (a reverse() per row was a hot spot)."""
        before, after = reverse("providers:detail", args=["SLUG"]).split("SLUG")
        return lambda slug: f"{before}{slug}{after}"

    def clean(self):
        """No control characters anywhere (they break exports and some databases)."""
        super().clean()
        for name in ("name", "address", "postal_code", "phone"):
            setattr(self, name, clean_text(getattr(self, name), 300)[0])
        self.description = clean_text(self.description, 5000, keep_newlines=True)[0]
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(
                _("Indiquez la latitude et la longitude, ou aucune des deux."),
                code="half_position",
            )
        seat = self.seat if self.seat_id else None
        if self.latitude is not None and seat is not None and seat.latitude is not None:
            away = haversine_km(self.latitude, self.longitude, seat.latitude, seat.longitude)
            if away > MAX_KM_FROM_SEAT:
                raise ValidationError(
                    {
                        "latitude": _(
                            "Cette position est à %(km)d km de %(seat)s, la commune du siège : "
                            "vérifiez-la (latitude et longitude inversées ?) ou changez le siège."
                        )
                        % {"km": away, "seat": seat}
                    },
                    code="position_far_from_seat",
                )

    def _unique_slug(self):
        base = slug_for(self.name, max_length=200) or "prestataire"
        taken = set(
            Provider.objects.filter(slug__startswith=base)
            .exclude(pk=self.pk)
            .values_list("slug", flat=True)
        )
        candidates = [base]
        if self.seat_id:
            candidates.append(f"{base}-{slug_for(self.seat.name, max_length=200)}")
        candidates.extend(f"{base}-{n}" for n in range(2, len(taken) + 3))
        return next(slug for slug in candidates if slug not in taken)

    @property
    def is_public(self):
        """`visible_publicly_q` for one loaded provider."""
        return self.status == Status.PUBLISHED and not self.hidden_unreachable

    @property
    def version(self):
        """What a moderator saw of the listing: a decision on a version since changed is
        refused (the queue posts it back)."""
        return self.updated_at.isoformat()

    @property
    def public_email(self):
        """The contact address, when the company chose to publish it; "" otherwise.
        Every public output (page, JSON-LD, downloads, API) shows this, never `email`."""
        return public_email(self.email, self.show_email)

    def mark_verified(self, when=None):
        """Someone vouched for the listing (a moderator's approval, the owner's « toujours
        exact »): renew its verification date and forget any staleness reminder. The
        caller saves."""
        self.last_verified_at = when or timezone.now()
        self.reminded_at = None

    @property
    def website_flagged(self):
        """`ProviderQuerySet.website_flagged` for one loaded provider."""
        return self.website_failure_days >= settings.WEBSITE_FLAG_AFTER_DAYS

    @property
    def locality_label(self):
        """The badge of a `with_locality` result ("" when not annotated or elsewhere)."""
        return Locality(getattr(self, "locality", Locality.ELSEWHERE)).label

    @property
    def seated_in_place(self):
        return getattr(self, "locality", Locality.ELSEWHERE) == Locality.SEAT

    @property
    def position(self):
        """(latitude, longitude): the point a moderator set, else the seat commune's;
        (None, None) when neither is known. Needs `seat` loaded."""
        if self.latitude is not None:
            return self.latitude, self.longitude
        if self.seat_id is None:
            return None, None
        return self.seat.latitude, self.seat.longitude

    @property
    def distance_text(self):
        """« sur place », « à 12 km »… from a `with_distance` result ("" otherwise)."""
        if not hasattr(self, "distance_km"):
            return ""
        return distance_label(self.distance_km, same_place=self.seated_in_place)

    def postal_address(self):
        """One-line address, for maps: "12 rue X, 91000 Évry-Courcouronnes, France"."""
        seat = self.seat.name if self.seat_id else ""
        parts = [self.address, f"{self.postal_code} {seat}".strip(), "France"]
        return ", ".join(part for part in parts if part)

    @property
    def website_domain(self):
        return website_domain(self.website, keep_www=True)


def _named_counts(model, prefix, counts):
    """Rows {<prefix>__slug, <prefix>__name, count} for the catalogue entries counted in
    `counts` ({pk: providers}), in the model's own order."""
    return [
        {f"{prefix}__slug": slug, f"{prefix}__name": name, "count": counts[pk]}
        for pk, slug, name in model.objects.filter(pk__in=counts).values_list("pk", "slug", "name")
    ]


def public_email(email, show_email):
    """The one rule: an address is public only when the company chose to show it."""
    return email if email and show_email else ""


class FacetKind(models.TextChoices):
    SOFTWARE = "s", _("logiciel")
    SERVICE = "k", _("type de service")
    LABEL = "l", _("label")


class SearchFacet(models.Model):
    """One program, kind of service or label a provider is counted under in the search's
    facets: one narrow row per (provider, value), written with the provider's search
    document (providers.search.indexer). Counting these rows replaces joining offerings,
    their services and labels on every search (18,000 published providers: ≈ 120,000 rows
    counted in one pass instead of three joins of up to 115,000 rows)."""

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="search_facets", db_index=False
    )
    kind = models.CharField(max_length=1, choices=FacetKind.choices)
    value = models.PositiveIntegerField()  # the software, service kind or label id

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "value"], name="search_facet_unique"
            ),
        ]

    def __str__(self):
        return f"{self.provider_id} {self.kind}{self.value}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("À examiner")
    APPROVED = "approved", _("Approuvée")
    REJECTED = "rejected", _("Refusée")
    CHANGES_REQUESTED = "changes", _("Modifications demandées")


class Revision(models.Model):
    """Changes an owner proposes to a published listing; applied only when approved."""

    provider = models.ForeignKey(
        Provider, verbose_name=_("prestataire"), on_delete=models.CASCADE, related_name="revisions"
    )
    data = models.JSONField(_("modifications proposées"))
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=ReviewStatus.choices,
        default=ReviewStatus.PENDING,
        db_index=True,
    )
    submitted_by_email = models.EmailField(_("proposée par"), blank=True)
    # Who proposed it when not an owner: « Import SILL, fichier du 30/11/2026 ».
    origin = models.CharField(_("origine"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("examinée le"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("examinée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    review_note = models.TextField(_("message au demandeur"), blank=True)

    class Meta:
        verbose_name = _("proposition de modification")
        verbose_name_plural = _("propositions de modification")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.provider} — {self.created_at:%d/%m/%Y}"


class CatalogueSource(models.TextChoices):
    """The national catalogues whose public provider data can be imported (issue #13)."""

    SILL = "sill", _("SILL")
    CNLL = "cnll", _("CNLL")
    COMPTOIR = "comptoir", _("Comptoir du Libre")


# The listing fields a catalogue's record can give, in the order they are shown.
SOURCED_FIELDS = ("name", "siren", "website")


class ProvenanceQuerySet(models.QuerySet):
    def unverified(self):
        """Records nobody has vouched for since they were imported: the public page
        names their source."""
        return self.filter(verified_at__isnull=True)

    def verify(self, when=None):
        """A moderator or the owner vouched for the listing's data: its sources are no
        longer named on the public page (they stay in its history). Returns how many."""
        count = self.unverified().update(verified_at=when or timezone.now())
        if count:  # an update sends no signal: the public pages name the sources no more
            forget_pages()
            transaction.on_commit(forget_pages)
        return count


class Provenance(models.Model):
    """A national catalogue's record that created or enriched a listing: which source,
    the record's identity and page there, the date of the file, and the values it gave
    (`values`, {field: value}), the last ones imported. A field of the listing still equal
    to its value came from the source; one that differs was edited by hand since, and a
    newer file only proposes a change to it."""

    provider = models.ForeignKey(
        Provider,
        verbose_name=_("prestataire"),
        on_delete=models.CASCADE,
        related_name="provenances",
    )
    source = models.CharField(_("source"), max_length=10, choices=CatalogueSource.choices)
    record_key = models.CharField(_("identifiant dans la source"), max_length=300)
    record_url = models.URLField(_("fiche dans la source"), max_length=300, blank=True)
    file_date = models.DateField(_("date du fichier"))
    values = models.JSONField(_("valeurs importées"), default=dict)
    software = models.JSONField(_("logiciels listés par la source"), default=list)
    first_imported_at = models.DateTimeField(_("importée le"), auto_now_add=True)
    imported_at = models.DateTimeField(_("dernier import"), default=timezone.now)
    verified_at = models.DateTimeField(_("vérifiée le"), null=True, blank=True)

    objects = ProvenanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("provenance")
        verbose_name_plural = _("provenances")
        ordering = ["source", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "record_key"], name="provenance_unique_record"
            ),
        ]

    def __str__(self):
        return f"{self.get_source_display()} : {self.record_key}"

    def fields(self):
        """[(label, imported value, whether the listing still has it)] for what the
        source gave, for moderators."""
        rows = []
        for name in SOURCED_FIELDS:
            if self.values.get(name):
                label = Provider._meta.get_field(name).verbose_name
                current = getattr(self.provider, name)
                rows.append((label, self.values[name], current == self.values[name]))
        return rows


class ReportStatus(models.TextChoices):
    OPEN = "open", _("À traiter")
    RESOLVED = "resolved", _("Corrigé")
    DISMISSED = "dismissed", _("Sans suite")


class Report(models.Model):
    """« Signaler une erreur » on a listing: goes to the cluster's moderation queue."""

    provider = models.ForeignKey(
        Provider, verbose_name=_("prestataire"), on_delete=models.CASCADE, related_name="reports"
    )
    message = models.TextField(_("ce qui est inexact"), max_length=2000)
    email = models.EmailField(_("adresse pour vous répondre"), blank=True)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=ReportStatus.choices,
        default=ReportStatus.OPEN,
        db_index=True,
    )
    created_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    handled_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("traité par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.provider} — {self.created_at:%d/%m/%Y}"


class LinkPurpose(models.TextChoices):
    CONFIRM_SUBMISSION = "confirm", _("Confirmer une demande de référencement")
    EDIT = "edit", _("Mettre à jour une fiche")
    STILL_ACCURATE = "accurate", _("Confirmer qu'une fiche est à jour")


class MagicLinkQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class MagicLink(models.Model):
    """A single-purpose, expiring, single-use link sent by e-mail (no passwords for
    providers). Only a hash of the token is stored."""

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    purpose = models.CharField(max_length=10, choices=LinkPurpose.choices)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="magic_links")
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = MagicLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("lien d'accès")
        verbose_name_plural = _("liens d'accès")

    def __str__(self):
        return f"{self.get_purpose_display()} — {self.provider}"


class SlugRedirect(models.Model):
    """An old provider address that now leads to another listing (after a merge)."""

    old_slug = models.SlugField(max_length=220, unique=True)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="slug_redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ancienne adresse")
        verbose_name_plural = _("anciennes adresses")

    def __str__(self):
        return f"{self.old_slug} → {self.provider.slug}"
