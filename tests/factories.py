"""factory_boy factories. Seats default to real communes (the test database holds them all)."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from offerings.models import Offering, ServiceKind, Software, SoftwareCategory
from providers.curation.roles import ensure_moderator_group
from providers.models import Cluster, Label, LabelKind, Provider, Status
from territories.models import Level, Territory


def commune(code):
    return Territory.objects.get(level=Level.COMMUNE, code=code)


def region(code):
    return Territory.objects.get(level=Level.REGION, code=code)


def departement(code):
    return Territory.objects.get(level=Level.DEPARTEMENT, code=code)


class SoftwareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Software
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Logiciel {n}")
    category = SoftwareCategory.ERP_CRM
    description = "Un logiciel libre."
    licence = "GPL-3.0-or-later"


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Grappe {n}")

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)


class LabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Label
        django_get_or_create = ["name"]

    name = "Qualiopi"
    kind = LabelKind.CERTIFICATION


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Prestataire {n}")
    description = "Intégrateur de logiciels libres."
    website = factory.LazyAttribute(lambda o: f"https://{o.name.lower().replace(' ', '-')}.example")
    seat = factory.LazyFunction(lambda: commune("91228"))
    status = Status.PUBLISHED
    email = factory.LazyAttribute(lambda o: f"contact@{o.name.lower().replace(' ', '-')}.example")
    email_confirmed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def service_areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.service_areas.set(extracted)


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering
        skip_postgeneration_save = True

    provider = factory.SubFactory(ProviderFactory)
    software = factory.SubFactory(SoftwareFactory)

    @factory.post_generation
    def kinds(self, create, extracted, **kwargs):
        if create:
            self.service_kinds.set(
                ServiceKind.objects.filter(slug__in=extracted or ["installation"])
            )


PASSWORD = "correct horse battery staple"  # every factory user's


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.SelfAttribute("username")
    password = factory.django.Password(PASSWORD)


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ModeratorFactory(UserFactory):
    """A staff user in the moderators group, moderating the given clusters."""

    class Meta:
        skip_postgeneration_save = True

    is_staff = True

    @factory.post_generation
    def clusters(self, create, extracted, **kwargs):
        if create:
            self.groups.add(ensure_moderator_group())
            for cluster in extracted or []:
                cluster.moderators.add(self)
