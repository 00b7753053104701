"""A backup is proven by a restore: ops/backup.py dumps the database with the row count
of every table, restores the dump into a new empty database and compares. PostgreSQL
only (production's database); the scratch database is created and dropped by the
script, on the test server."""

import json
import subprocess
import sys

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

if connection.vendor != "postgresql":
    pytest.skip("sauvegardes pg_dump : PostgreSQL seulement", allow_module_level=True)


@pytest.fixture
def database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def backup(project_root, *arguments):
    return subprocess.run(
        [sys.executable, str(project_root / "ops" / "backup.py"), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_backup_restores_into_an_empty_database_with_every_row(
    demo_data, database_url, project_root, tmp_path
):
    dump_file = tmp_path / "annuaire.dump"
    dumped = backup(project_root, "dump", database_url, str(dump_file))
    assert dumped.returncode == 0, dumped.stderr
    counts = json.loads((tmp_path / "annuaire.dump.counts.json").read_text())
    assert counts["public.territories_territory"] > 36_000
    assert counts["public.providers_provider"] > 0  # the demo listings

    verified = backup(project_root, "verify", str(dump_file), database_url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "restaurée" in verified.stdout and "lignes identiques" in verified.stdout


def test_a_backup_missing_rows_is_reported(database_url, project_root, tmp_path):
    dump_file = tmp_path / "annuaire.dump"
    assert backup(project_root, "dump", database_url, str(dump_file)).returncode == 0
    counts_file = tmp_path / "annuaire.dump.counts.json"
    counts = json.loads(counts_file.read_text())
    counts["public.territories_territory"] += 1  # one row more was there when it was saved
    counts_file.write_text(json.dumps(counts))

    verified = backup(project_root, "verify", str(dump_file), database_url)
    assert verified.returncode == 1
    assert "public.territories_territory" in verified.stdout
    assert "la restauration diffère" in verified.stdout
