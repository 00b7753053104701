import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from providers.curation.roles import MODERATORS_GROUP
from providers.models import Provider
from tests.factories import ClusterFactory, ProviderFactory, commune, region

pytestmark = pytest.mark.django_db


def test_create_moderator_gives_admin_access_scoped_to_the_cluster(client):
    cluster = ClusterFactory(name="Grappe IDF", regions=[region("11")])
    ProviderFactory(name="Évry", seat=commune("91228"))
    ProviderFactory(name="Lyon", seat=commune("69123"))
    out = io.StringIO()
    call_command(
        "create_moderator",
        "camille@grappe.example",
        clusters=[cluster.slug],
        interactive=False,
        stdout=out,
    )
    assert "changepassword" in out.getvalue()
    user = get_user_model().objects.get(username="camille@grappe.example")
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name=MODERATORS_GROUP).exists()
    assert not user.has_usable_password()
    assert list(Provider.objects.editable_by(user).values_list("name", flat=True)) == ["Évry"]
    client.force_login(user)
    assert client.get("/admin/providers/provider/").status_code == 200


def test_create_moderator_twice_adds_a_cluster_without_duplicating_the_user():
    first = ClusterFactory(name="Grappe A")
    second = ClusterFactory(name="Grappe B")
    for cluster in (first, second):
        call_command(
            "create_moderator",
            "dominique@grappe.example",
            clusters=[cluster.slug],
            interactive=False,
            stdout=io.StringIO(),
        )
    user = get_user_model().objects.get(username="dominique@grappe.example")
    assert set(user.moderated_clusters.all()) == {first, second}


def test_create_moderator_with_unknown_cluster_says_which_exist():
    ClusterFactory(name="Grappe Ouest")
    with pytest.raises(CommandError, match="grappe-ouest"):
        call_command("create_moderator", "x@example.org", clusters=["nope"], interactive=False)
    assert not get_user_model().objects.exists()


def test_load_demo_needs_territories_first(django_db_blocker):
    from territories.models import Territory

    Territory.objects.filter(level="commune").update(is_current=False)
    with pytest.raises(CommandError, match="import_territories"):
        call_command("load_demo")
