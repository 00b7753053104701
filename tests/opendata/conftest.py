"""What the catalogue-import tests share: the programs the fixture files name."""

import pytest

from tests.factories import SoftwareFactory


@pytest.fixture
def catalogue():
    """Dolibarr and Nextcloud with their SILL and Comptoir ids; Moodle without any, to be
    found by its name."""
    return {
        "dolibarr": SoftwareFactory(name="Dolibarr", sill_id=82, comptoir_id=1),
        "nextcloud": SoftwareFactory(name="Nextcloud", sill_id=117, comptoir_id=2),
        "moodle": SoftwareFactory(name="Moodle"),
    }
