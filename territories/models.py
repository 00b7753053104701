"""French administrative territories: régions, départements, EPCI and communes.

Rows come from the official data vendored in territories/data (see its README) and
are loaded by `manage.py import_territories`. Codes are the stable keys: INSEE code
for régions, départements and communes, SIREN for EPCI.
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.shared import forget, shared
from core.text import fold

DEPARTEMENTS_KEY = "territories:departement-choices:v1"


class Level(models.TextChoices):
    REGION = "region", _("Région")
    DEPARTEMENT = "departement", _("Département")
    EPCI = "epci", _("Intercommunalité")
    COMMUNE = "commune", _("Commune")


# Nearest first: the order in which ancestors are listed.
LEVEL_RANK = {Level.COMMUNE: 0, Level.EPCI: 1, Level.DEPARTEMENT: 2, Level.REGION: 3}
# schema.org types of the levels, for JSON-LD.
SCHEMA_ORG_TYPES = {
    Level.REGION: "State",
    Level.DEPARTEMENT: "AdministrativeArea",
    Level.EPCI: "AdministrativeArea",
    Level.COMMUNE: "City",
}


def largest_first(territories):
    """Territories ordered région, département, EPCI, commune, then by name."""
    return sorted(territories, key=lambda territory: (-LEVEL_RANK[territory.level], territory.name))


def default_label(level, name, code):
    """How a territory is displayed: communes and départements with the département
    code, régions and EPCI by name. `territories.importer.labels` makes them unique."""
    if level == Level.COMMUNE:
        return f"{name} ({code[:3] if code.startswith('97') else code[:2]})"
    if level == Level.DEPARTEMENT:
        return f"{name} ({code})"
    return name


class TerritoryQuerySet(models.QuerySet):
    def current(self):
        """Territories of the latest official vintage (retired ones are kept for history)."""
        return self.filter(is_current=True)

    def regions(self):
        return self.current().filter(level=Level.REGION)

    def departements(self):
        return self.current().filter(level=Level.DEPARTEMENT)

    def epcis(self):
        return self.current().filter(level=Level.EPCI)

    def communes(self):
        return self.current().filter(level=Level.COMMUNE)

    def search(self, text, *, label=""):
        """Territories whose name starts with, or whose code or postal code is, `text`
        (or whose displayed `label` is exactly `label`).

        Case-, accent- and punctuation-insensitive ("evry courc" finds
        Évry-Courcouronnes); a former INSEE code, a postal code or the name of
        a commune déléguée or municipal arrondissement finds today's commune. A
        bare number is a département, commune, postal code or EPCI, never a
        région ("11" is the Aude, not Île-de-France). Larger territories and
        bigger populations come first.
        """
        folded = fold(text)
        if not folded and not label:
            return self.none()
        raw = text.strip().upper()
        # Aliases and postal codes as subqueries, not joins: joined, every territory row was
        # repeated per alias and postal code before the OR could be tested (75 ms a search).
        matches = Q(label=label) if label else Q(pk__in=[])
        if folded:
            matches |= (
                Q(search_name__startswith=folded)
                | Q(search_name__contains=f" {folded}")
                | Q(
                    pk__in=TerritoryAlias.objects.filter(search_name__startswith=folded).values(
                        "territory_id"
                    )
                )
            )
        if raw.isalnum() and len(raw) <= 9:
            matches |= (
                (Q(code=raw) & ~Q(level=Level.REGION))
                | Q(pk__in=PostalCode.objects.filter(code=raw).values("commune_id"))
                | Q(pk__in=TerritoryAlias.objects.filter(code=raw).values("territory_id"))
            )
        return self.filter(matches).order_by_importance()

    def order_by_importance(self):
        return self.order_by(
            models.Case(
                *(models.When(level=level, then=rank) for level, rank in LEVEL_RANK.items()),
                default=0,
            ).desc(),
            models.F("population").desc(nulls_last=True),
            "name",
        )


class Territory(models.Model):
    level = models.CharField(_("niveau"), max_length=12, choices=Level.choices)
    code = models.CharField(
        _("code officiel"),
        max_length=9,
        help_text=_("Code INSEE (région, département, commune) ou SIREN (intercommunalité)."),
    )
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    name = models.CharField(_("nom"), max_length=200)
    search_name = models.CharField(
        _("nom normalisé"), max_length=200, editable=False, db_index=True
    )
    label = models.CharField(
        _("libellé"),
        max_length=240,
        editable=False,
        db_index=True,
        default="",
        help_text=_("Nom affiché, unique : « Évry-Courcouronnes (91) », « Essonne (91) »…"),
    )
    slug = models.SlugField(_("slug"), max_length=220)
    kind = models.CharField(
        _("nature"),
        max_length=8,
        blank=True,
        help_text=_("Pour les intercommunalités : CC, CA, CU, METRO…"),
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    region = models.ForeignKey(
        "self",
        verbose_name=_("région"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": Level.REGION},
    )
    departement = models.ForeignKey(
        "self",
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": Level.DEPARTEMENT},
        help_text=_("Pour une intercommunalité : le département qui en porte la plus grande part."),
    )
    epci = models.ForeignKey(
        "self",
        verbose_name=_("intercommunalité"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": Level.EPCI},
    )
    # A commune's point (its town hall, or a point inside it), WGS84 degrees; see
    # territories/data/README.md. Empty for the other levels and a commune without one.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    is_current = models.BooleanField(
        _("en vigueur"),
        default=True,
        help_text=_("Faux pour un territoire disparu du dernier millésime officiel."),
    )

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="territory_unique_code"),
            models.UniqueConstraint(fields=["level", "slug"], name="territory_unique_slug"),
        ]
        indexes = [
            models.Index(fields=["code"], name="territory_code_idx"),
        ]

    def __str__(self):
        return self.label or default_label(self.level, self.name, self.code)

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """Région, département and commune pages nest; an EPCI has its own path.

        Needs `region` (and `departement` for a commune) loaded: select_related them."""
        if self.level == Level.REGION:
            return reverse("territories:region", args=[self.slug])
        if self.level == Level.DEPARTEMENT:
            return reverse("territories:departement", args=[self.region.slug, self.slug])
        if self.level == Level.EPCI:
            return reverse("territories:epci", args=[self.slug])
        return reverse(
            "territories:commune", args=[self.region.slug, self.departement.slug, self.slug]
        )

    @property
    def departement_code(self):
        """The département's INSEE code, read from the commune's own code (no query)."""
        if self.level == Level.COMMUNE:
            return self.code[:3] if self.code.startswith("97") else self.code[:2]
        return self.code if self.level == Level.DEPARTEMENT else ""

    def ancestor_ids(self):
        """Primary keys of the territories containing this one (see `ancestors`).

        For a commune or a département this reads the foreign keys already
        loaded (no query); for an intercommunalité it is a subquery, because
        89 EPCI straddle several départements and 26 several régions.
        """
        if self.level == Level.COMMUNE:
            return [pk for pk in (self.epci_id, self.departement_id, self.region_id) if pk]
        if self.level == Level.DEPARTEMENT:
            return [self.region_id] if self.region_id else []
        if self.level == Level.EPCI:
            members = Territory.objects.filter(level=Level.COMMUNE, epci=self)
            return Territory.objects.filter(
                Q(pk__in=members.values("departement")) | Q(pk__in=members.values("region"))
            ).values("pk")
        return []

    def ancestors(self):
        """Territories containing this one, nearest first.

        Commune → its intercommunalité, département, région. Intercommunalité →
        every département then every région its communes belong to. Département
        → région. Région → nothing. France as a whole is not a row: a provider
        serving the whole country carries the `serves_whole_country` flag.
        """
        rows = Territory.objects.filter(pk__in=self.ancestor_ids())
        return sorted(rows, key=lambda row: (LEVEL_RANK[row.level], row.code))

    def self_and_ancestor_ids(self):
        ancestor_ids = self.ancestor_ids()
        if isinstance(ancestor_ids, list):
            return [self.pk, *ancestor_ids]
        return Territory.objects.filter(Q(pk=self.pk) | Q(pk__in=ancestor_ids)).values("pk")

    def communes_q(self, prefix=""):
        """A Q object matching the communes inside this territory.

        `prefix` points at a commune field from another model, e.g.
        `territory.communes_q("seat__")` on providers.
        """
        if self.level == Level.COMMUNE:
            return Q(**{f"{prefix}pk": self.pk})
        return Q(**{f"{prefix}{self.level}": self.pk})


def departement_choices():
    """(slug, « code — name ») of the current départements, in code order: reference data
    shared by the processes (core.shared), forgotten by import_territories."""
    return shared(
        DEPARTEMENTS_KEY,
        lambda: [
            (slug, f"{code} — {name}")
            for slug, code, name in Territory.objects.departements()
            .order_by("code")
            .values_list("slug", "code", "name")
        ],
        3600,
    )


def forget_departement_choices():
    forget(DEPARTEMENTS_KEY)


class PostalCode(models.Model):
    """A La Poste postal code served by a commune (a code may span several communes)."""

    code = models.CharField(_("code postal"), max_length=5, db_index=True)
    commune = models.ForeignKey(
        Territory,
        verbose_name=_("commune"),
        on_delete=models.CASCADE,
        related_name="postal_codes",
    )

    class Meta:
        verbose_name = _("code postal")
        verbose_name_plural = _("codes postaux")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "commune"], name="postal_code_unique"),
        ]

    def __str__(self):
        return self.code


class AliasKind(models.TextChoices):
    FORMER = "ancienne", _("Ancienne commune")
    DELEGATED = "deleguee", _("Commune déléguée")
    ASSOCIATED = "associee", _("Commune associée")
    ARRONDISSEMENT = "arrondissement", _("Arrondissement municipal")


class TerritoryAlias(models.Model):
    """Another INSEE code (and name) that designates today's commune.

    Former communes merged into a commune nouvelle, communes déléguées or
    associées, and the municipal arrondissements of Paris, Lyon and Marseille.
    """

    code = models.CharField(_("code INSEE"), max_length=5, unique=True)
    name = models.CharField(_("nom"), max_length=200, blank=True)
    search_name = models.CharField(
        _("nom normalisé"), max_length=200, blank=True, editable=False, db_index=True
    )
    kind = models.CharField(_("nature"), max_length=16, choices=AliasKind.choices)
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("commune actuelle"),
        on_delete=models.CASCADE,
        related_name="aliases",
    )

    class Meta:
        verbose_name = _("ancien code ou code secondaire")
        verbose_name_plural = _("anciens codes et codes secondaires")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name} → {self.territory}"
