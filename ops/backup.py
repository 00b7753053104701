"""Backups of the PostgreSQL database, and a proof that they restore.

    python ops/backup.py dump DATABASE_URL FILE
        pg_dump (custom format) into FILE, and the number of rows of every table, counted
        in the very snapshot pg_dump saves, into FILE.counts.json.
    python ops/backup.py verify FILE DATABASE_URL
        restores FILE into a new, empty database on the same server, counts the rows of
        every table there, compares them with FILE.counts.json, then drops that database.
        Exit status 0 when every count matches, 1 otherwise (each difference is printed).

Written by hand because the check is ours: pg_dump and pg_restore do the work, and a
backup is only proven by a restore. Needs the PostgreSQL client programs (pg_dump,
pg_restore) of the server's major version and psycopg; no Django. README, « Operations »,
says when to run what.
"""

import json
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

TABLES = """
    SELECT table_schema, table_name FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
    ORDER BY table_schema, table_name
"""


def libpq_url(url):
    """dj-database-url accepts postgres://… and postgresql://…; libpq takes both, but
    not Django's "+psycopg" style suffixes."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+")[0]))


def count_rows(connection):
    counts = {}
    for schema, table in connection.execute(TABLES).fetchall():
        name = sql.Identifier(schema, table)
        counts[f"{schema}.{table}"] = connection.execute(
            sql.SQL("SELECT count(*) FROM {}").format(name)
        ).fetchone()[0]
    return counts


def dump(url, file):
    file = Path(file)
    with psycopg.connect(libpq_url(url)) as connection:
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = count_rows(connection)
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={file}",
                libpq_url(url),
            ],
            check=True,
        )
        connection.execute("COMMIT")
    counts_file = file.with_name(file.name + ".counts.json")
    counts_file.write_text(json.dumps(counts, indent=1, sort_keys=True) + "\n")
    print(f"{file} : {len(counts)} tables, {sum(counts.values())} lignes.")


def verify(file, url):
    file = Path(file)
    expected = json.loads(file.with_name(file.name + ".counts.json").read_text())
    server = urlsplit(libpq_url(url))
    scratch = f"annuaire_restore_check_{uuid.uuid4().hex[:12]}"
    scratch_url = urlunsplit(server._replace(path=f"/{scratch}"))
    with psycopg.connect(libpq_url(url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
        try:
            subprocess.run(
                [
                    "pg_restore",
                    "--exit-on-error",
                    "--no-owner",
                    "--no-privileges",
                    f"--dbname={scratch_url}",
                    str(file),
                ],
                check=True,
            )
            with psycopg.connect(scratch_url) as restored:
                found = count_rows(restored)
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
            )
    differences = [
        f"  {table} : {expected.get(table, 'absente')} dans la sauvegarde, "
        f"{found.get(table, 'absente')} restaurées"
        for table in sorted(set(expected) | set(found))
        if expected.get(table) != found.get(table)
    ]
    if differences:
        print(f"{file} : la restauration diffère.", *differences, sep="\n")
        return 1
    print(f"{file} : restaurée, {len(found)} tables, {sum(found.values())} lignes identiques.")
    return 0


def main(arguments):
    if len(arguments) == 3 and arguments[0] == "dump":
        dump(arguments[1], arguments[2])
        return 0
    if len(arguments) == 3 and arguments[0] == "verify":
        return verify(arguments[1], arguments[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
