import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from providers.curation.roles import ensure_moderator_group
from providers.models import Cluster


class Command(BaseCommand):
    help = (
        "Crée (ou complète) le compte d'un·e modérateur·rice de grappe : accès à l'administration, "
        "groupe « Modérateurs », rattachement à une ou plusieurs grappes. "
        "Exemple : manage.py create_moderator camille@grappe.example "
        "--cluster grappe-demo-ile-de-france"
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="Adresse e-mail, qui sert aussi d'identifiant.")
        parser.add_argument(
            "--cluster",
            action="append",
            required=True,
            dest="clusters",
            metavar="SLUG",
            help="Slug d'une grappe (option répétable). Voir l'administration, « Grappes ».",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Ne pas demander de mot de passe (le définir ensuite avec changepassword).",
        )

    def handle(self, *args, email, clusters, interactive, **options):
        found = {cluster.slug: cluster for cluster in Cluster.objects.filter(slug__in=clusters)}
        missing = sorted(set(clusters) - found.keys())
        if missing:
            known = ", ".join(Cluster.objects.values_list("slug", flat=True)) or "aucune"
            raise CommandError(f"Grappe inconnue : {', '.join(missing)} (grappes : {known}).")
        User = get_user_model()
        with transaction.atomic():
            user, created = User.objects.get_or_create(
                username=email, defaults={"email": email, "is_staff": True}
            )
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            user.groups.add(ensure_moderator_group())
            for cluster in found.values():
                cluster.moderators.add(user)
            if created:
                user.set_password(self._ask_password(user) if interactive else None)
                user.save(update_fields=["password"])
        names = ", ".join(cluster.name for cluster in found.values())
        verb = "créé" if created else "mis à jour"
        self.stdout.write(self.style.SUCCESS(f"Compte {email} {verb}, modérateur de : {names}."))
        if created and not interactive:
            self.stdout.write(
                f"Définissez son mot de passe : python manage.py changepassword {email}"
            )

    def _ask_password(self, user):
        while True:
            password = getpass.getpass("Mot de passe : ")
            if password != getpass.getpass("Mot de passe (confirmation) : "):
                self.stderr.write("Les deux mots de passe diffèrent.")
                continue
            try:
                validate_password(password, user)
            except ValidationError as error:
                self.stderr.write(" ".join(error.messages))
                continue
            return password
