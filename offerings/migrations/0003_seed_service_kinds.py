"""Seed the fixed list of service kinds (slugs are stable: URLs and filters use them)."""

from django.db import migrations

SERVICE_KINDS = [
    ("installation", "Installation et intégration",
     "Mise en place du logiciel, paramétrage, raccordement au système existant."),
    ("hebergement", "Hébergement et infogérance",
     "Le logiciel hébergé et exploité pour vous, sauvegardes et mises à jour comprises."),
    ("support", "Support et maintenance",
     "Assistance aux utilisateurs, correctifs, mises à jour, contrat de maintenance."),
    ("formation", "Formation",
     "Formation des utilisateurs et des administrateurs."),
    ("developpement", "Développement et personnalisation",
     "Modules, connecteurs, adaptations et contributions au logiciel."),
    ("conseil", "Conseil et audit",
     "Choix des outils, audit de l'existant, accompagnement de projet."),
    ("migration", "Migration",
     "Reprise des données et passage depuis un autre logiciel."),
]


def seed(apps, schema_editor):
    ServiceKind = apps.get_model("offerings", "ServiceKind")
    for position, (slug, name, description) in enumerate(SERVICE_KINDS, start=1):
        ServiceKind.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("offerings", "0002_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
