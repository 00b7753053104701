import pytest
from django.core.exceptions import ValidationError

from offerings.models import ServiceKind
from offerings.validators import validate_spdx_expression
from tests.factories import SoftwareFactory

pytestmark = pytest.mark.django_db


def test_the_seven_service_kinds_exist_in_display_order():
    assert list(ServiceKind.objects.values_list("slug", flat=True)) == [
        "installation",
        "hebergement",
        "support",
        "formation",
        "developpement",
        "conseil",
        "migration",
    ]


@pytest.mark.parametrize(
    "expression",
    [
        "GPL-3.0-or-later",
        "MIT OR Apache-2.0",
        "(MIT AND BSD-3-Clause) OR GPL-2.0+",
        "GPL-2.0-only WITH Classpath-exception-2.0",
        "LicenseRef-Maison",
    ],
)
def test_valid_spdx_expressions(expression):
    validate_spdx_expression(expression)


@pytest.mark.parametrize(
    "expression", ["GPL", "MIT OR", "AND MIT", "(MIT", "MIT)", "MIT Apache-2.0", "", "Libre"]
)
def test_invalid_spdx_expressions(expression):
    with pytest.raises(ValidationError):
        validate_spdx_expression(expression)


def test_software_cross_references_are_validated_and_linked():
    software = SoftwareFactory.build(name="Nextcloud", wikidata_id="25874683", slug="nextcloud")
    with pytest.raises(ValidationError, match="Wikidata"):
        software.full_clean()
    software.wikidata_id = "Q25874683"
    software.sill_id = 93
    software.full_clean()
    assert software.wikidata_url == "https://www.wikidata.org/wiki/Q25874683"
    assert software.sill_url.endswith("id=93")


def test_software_slug_comes_from_its_name():
    assert SoftwareFactory(name="Jitsi Meet").slug == "jitsi-meet"
