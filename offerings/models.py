"""What providers offer: open-source software, kinds of service, and offerings."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.counting import count_distinct
from core.publication import visible_publicly_q
from core.slugs import SlugFromNameMixin
from core.text import clean_text

from .validators import validate_spdx_expression, validate_wikidata_id


class SoftwareCategory(models.TextChoices):
    ERP_CRM = "erp-crm", _("Gestion d'entreprise (ERP / CRM)")
    COMMERCE = "commerce-en-ligne", _("Commerce en ligne")
    FILES = "fichiers-collaboration", _("Fichiers et travail collaboratif")
    DOCUMENTS = "gestion-documentaire", _("Gestion documentaire (GED)")
    VIDEOCONFERENCE = "visioconference", _("Visioconférence")
    OFFICE = "bureautique", _("Suite bureautique")
    MESSAGING = "messagerie", _("Messagerie et discussion")
    CMS = "site-web", _("Site web et CMS")
    ELEARNING = "formation-en-ligne", _("Formation en ligne (e-learning)")
    IT_MANAGEMENT = "gestion-parc", _("Gestion de parc et assistance informatique")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure, serveurs et virtualisation")
    SECURITY = "securite-reseau", _("Sécurité, identités et réseau")
    PROJECTS = "gestion-de-projet", _("Gestion de projet")
    DEVELOPMENT = "developpement", _("Développement logiciel")
    GIS = "cartographie-sig", _("Cartographie et SIG")
    LIBRARIES = "bibliotheques", _("Bibliothèques et documentation")
    PUBLIC_SERVICES = "services-publics", _("Démarches en ligne et participation citoyenne")
    MARKETING = "marketing", _("Marketing et lettres d'information")
    DESIGN = "creation-graphique", _("Création graphique et design")
    DATA = "donnees", _("Données et tableaux de bord")
    MEDIA = "video-diffusion", _("Vidéo et diffusion")
    ANALYTICS = "mesure-audience", _("Mesure d'audience")
    OTHER = "autre", _("Autre")


# The words and abbreviations people type for a category, besides its name: « ERP »,
# « CMS », « GED », « SIG »… The search reads them as the category (see
# providers.search.understanding).
CATEGORY_ALIASES = {
    SoftwareCategory.ERP_CRM: [
        "ERP",
        "PGI",
        "CRM",
        "GRC",
        "progiciel de gestion",
        "gestion d'entreprise",
        "logiciel de gestion",
    ],
    SoftwareCategory.COMMERCE: ["e-commerce", "boutique en ligne", "site marchand"],
    SoftwareCategory.FILES: ["cloud", "stockage en ligne", "travail collaboratif"],
    SoftwareCategory.DOCUMENTS: [
        "GED",
        "gestion électronique de documents",
        "gestion électronique des documents",
        "dématérialisation",
    ],
    SoftwareCategory.VIDEOCONFERENCE: ["visio", "visioconférence", "webinaire"],
    SoftwareCategory.OFFICE: ["bureautique", "suite office", "office"],
    SoftwareCategory.MESSAGING: ["messagerie", "messagerie instantanée", "tchat", "chat"],
    SoftwareCategory.CMS: ["CMS", "site internet", "site web", "site vitrine"],
    SoftwareCategory.ELEARNING: ["LMS", "e-learning", "elearning", "formation à distance"],
    SoftwareCategory.IT_MANAGEMENT: ["ITSM", "helpdesk", "service desk", "gestion de parc"],
    SoftwareCategory.INFRASTRUCTURE: ["virtualisation", "hyperviseur", "serveurs"],
    SoftwareCategory.SECURITY: ["sécurité informatique", "cybersécurité", "IAM"],
    SoftwareCategory.PROJECTS: ["gestion de projet", "gestion de projets", "kanban"],
    SoftwareCategory.DEVELOPMENT: ["forge", "devops", "CI/CD", "intégration continue"],
    SoftwareCategory.GIS: ["SIG", "GIS", "système d'information géographique"],
    SoftwareCategory.LIBRARIES: ["SIGB", "médiathèque", "bibliothèque"],
    SoftwareCategory.PUBLIC_SERVICES: ["GRU", "téléservices", "e-administration"],
    SoftwareCategory.MARKETING: ["marketing automation", "emailing", "e-mailing"],
    SoftwareCategory.DESIGN: ["PAO", "graphisme", "design"],
    SoftwareCategory.DATA: ["BI", "business intelligence", "informatique décisionnelle"],
    SoftwareCategory.MEDIA: ["streaming", "webtv", "web tv"],
    SoftwareCategory.ANALYTICS: ["web analytics", "statistiques de site", "analytics"],
    SoftwareCategory.OTHER: [],
}


def lines(text):
    """The non-empty lines of a one-per-line text field, stripped."""
    return [line.strip() for line in str(text).splitlines() if line.strip()]


class CatalogueTerm(SlugFromNameMixin, models.Model):
    """A word of the catalogue the search reads: its name, other ways to say it (one per
    line, kept tidy whatever the browser sent), whether the home page offers it, and what
    `load_catalogue` last wrote (see offerings.catalogue)."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    catalogue_values = models.JSONField(default=dict, editable=False)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.aliases = "\n".join(lines(self.aliases))
        super().save(*args, **kwargs)

    @property
    def alias_list(self):
        return lines(self.aliases)


class Need(CatalogueTerm):
    """Something a small business or a town hall needs done, in its own words
    (« facturer », « partager des fichiers », « réunion à distance »)."""

    aliases = models.TextField(
        _("autres façons de le dire"),
        blank=True,
        help_text=_("Une par ligne : « facturation », « factures », « faire ses factures »…"),
    )
    on_home = models.BooleanField(
        _("proposé en page d'accueil"),
        default=False,
        help_text=_("Listé dans « Vous cherchez un logiciel pour… » de la page d'accueil."),
    )

    class Meta(CatalogueTerm.Meta):
        verbose_name = _("besoin")
        verbose_name_plural = _("besoins")


class ReplacedProduct(CatalogueTerm):
    """A proprietary product people want to leave (« Microsoft Excel », « Zoom »)."""

    aliases = models.TextField(
        _("autres noms"), blank=True, help_text=_("Un par ligne : « Excel », « MS Excel »…")
    )
    on_home = models.BooleanField(
        _("proposé en page d'accueil"),
        default=False,
        help_text=_("Listé dans « Vous utilisez… ? » de la page d'accueil."),
    )

    class Meta(CatalogueTerm.Meta):
        verbose_name = _("produit propriétaire remplacé")
        verbose_name_plural = _("produits propriétaires remplacés")


class SoftwareQuerySet(models.QuerySet):
    def with_provider_count(self):
        """Annotate `provider_count`: the published providers offering each software."""
        return self.annotate(
            provider_count=models.Count(
                "offerings__provider",
                filter=visible_publicly_q("offerings__provider__"),
                distinct=True,
            )
        )


class Software(SlugFromNameMixin, models.Model):
    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    category = models.CharField(
        _("catégorie"), max_length=32, choices=SoftwareCategory.choices, db_index=True
    )
    description = models.CharField(_("description courte"), max_length=300)
    website = models.URLField(_("site officiel"), blank=True)
    licence = models.CharField(
        _("licence (SPDX)"),
        max_length=120,
        validators=[validate_spdx_expression],
        help_text=_("Identifiant ou expression SPDX, par exemple GPL-3.0-or-later."),
    )
    wikidata_id = models.CharField(
        _("identifiant Wikidata"),
        max_length=13,
        blank=True,
        validators=[validate_wikidata_id],
        help_text=_("Par exemple Q25874683 pour Nextcloud."),
    )
    sill_id = models.PositiveIntegerField(
        _("identifiant SILL"),
        null=True,
        blank=True,
        unique=True,
        help_text=_("Identifiant dans le Socle interministériel de logiciels libres."),
    )
    comptoir_id = models.PositiveIntegerField(
        _("identifiant Comptoir du Libre"), null=True, blank=True, unique=True
    )
    needs = models.ManyToManyField(
        Need, verbose_name=_("besoins couverts"), related_name="software", blank=True
    )
    replaces = models.ManyToManyField(
        ReplacedProduct,
        verbose_name=_("remplace"),
        related_name="alternatives",
        blank=True,
        help_text=_("Les produits propriétaires que ce logiciel libre peut remplacer."),
    )
    # What `manage.py load_catalogue` last wrote: a field a moderator changed since is
    # never overwritten by the next load (see offerings.catalogue).
    catalogue_values = models.JSONField(default=dict, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = SoftwareQuerySet.as_manager()

    class Meta:
        verbose_name = _("logiciel")
        verbose_name_plural = _("logiciels")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("offerings:software_detail", args=[self.slug])

    @property
    def wikidata_url(self):
        return f"https://www.wikidata.org/wiki/{self.wikidata_id}" if self.wikidata_id else ""

    @property
    def sill_url(self):
        return f"https://code.gouv.fr/sill/detail?id={self.sill_id}" if self.sill_id else ""

    @property
    def comptoir_url(self):
        if not self.comptoir_id:
            return ""
        return f"https://comptoir-du-libre.org/fr/softwares/{self.comptoir_id}"


class ServiceKind(models.Model):
    """A kind of service (installation, hosting, training…); the list is seeded by a migration."""

    name = models.CharField(_("nom"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    class Meta:
        verbose_name = _("type de service")
        verbose_name_plural = _("types de service")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class OfferingQuerySet(models.QuerySet):
    def public(self):
        """Offerings of published providers only."""
        return self.filter(visible_publicly_q("provider__"))

    def providers_per_software(self):
        """Rows {software__slug, software__name, count}: providers per software, most first."""
        counts = count_distinct(self, "provider_id", "software__slug", "software__name")
        rows = [
            {"software__slug": slug, "software__name": name, "count": count}
            for (slug, name), count in counts.items()
        ]
        return sorted(rows, key=lambda row: (-row["count"], row["software__name"]))

    def providers_per_service(self):
        """Rows {service_kinds__slug, service_kinds__name, count}, in display order."""
        counts = count_distinct(
            self,
            "provider_id",
            "service_kinds__slug",
            "service_kinds__name",
            "service_kinds__position",
        )
        rows = [
            {"service_kinds__slug": slug, "service_kinds__name": name, "count": count, "at": at}
            for (slug, name, at), count in counts.items()
        ]
        return sorted(rows, key=lambda row: (row["at"], row["service_kinds__name"]))


class Offering(models.Model):
    """A provider's services around one software."""

    provider = models.ForeignKey(
        "providers.Provider",
        verbose_name=_("prestataire"),
        on_delete=models.CASCADE,
        related_name="offerings",
    )
    software = models.ForeignKey(
        Software, verbose_name=_("logiciel"), on_delete=models.PROTECT, related_name="offerings"
    )
    service_kinds = models.ManyToManyField(
        ServiceKind, verbose_name=_("services"), related_name="offerings"
    )
    description = models.TextField(_("précisions"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = OfferingQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=["service_kinds"])

    class Meta:
        verbose_name = _("offre")
        verbose_name_plural = _("offres")
        ordering = ["software__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "software"], name="offering_unique_software_per_provider"
            ),
        ]

    def __str__(self):
        return f"{self.software} — {self.provider}"

    def clean(self):
        super().clean()
        self.description = clean_text(self.description, 2000, keep_newlines=True)[0]
