"""`make bench`: the application under gunicorn with production settings, on PostgreSQL,
driven by wrk over a fixed mix of real URLs, with `/robots.txt` measured in the same run as
the floor. See bench/README.md.

Steps: prepare the database (migrations, territories, catalogue, demo, then
`generate_dataset` unless it already holds the asked number of synthetic providers), collect
static files, start gunicorn, then for each kind of URL: three sequential requests (status,
size, SQL queries from the `X-Query-Count` header of annuaire/bench.py), then wrk with
several connections for a fixed time. Downloads (exports, the SILL feed) are timed one
request after another instead, with the worker's memory before and after. Prints a table and
writes the same numbers as JSON under bench/results/.

Exit status 1 when a URL does not answer 200: the benchmark checks that it measured real
pages, never how fast they are (no thresholds; numbers live in the results).
"""

import argparse
import datetime
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "report.lua"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/annuaire_bench"
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Accept-Encoding": "identity"}


def main():
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk est introuvable : « apt-get install wrk » (make bench l'installe en root).")
    env = server_environment(args)
    if not args.skip_setup:
        prepare_database(args, env)
    kinds = url_mix(env, args.only)
    step("Tout calculé", "(PAGE_CACHE_SECONDS=0 LISTING_COUNTS_CACHE=0)")
    computed = {"PAGE_CACHE_SECONDS": "0", "LISTING_COUNTS_CACHE": "0"}
    results = serve_and_measure(args, {**env, **computed}, kinds)
    passes = {}
    if not args.no_cached_pass:
        pages = [kind for kind in kinds if kind["mode"] == "load" and "/api/" not in kind["path"]]
        # What a visitor gets on a warm site: counts over the listings kept in the cache,
        # the page itself rendered (a new page number, sort or size of a known search)…
        step("Comptes en cache", "(PAGE_CACHE_SECONDS=0 LISTING_COUNTS_CACHE=1)")
        counts = {"PAGE_CACHE_SECONDS": "0", "LISTING_COUNTS_CACHE": "1"}
        passes["counts_cached"] = serve_and_measure(args, {**env, **counts}, pages)
        # …and the same anonymous page served again from the page cache.
        step("Pages en cache", "(PAGE_CACHE_SECONDS=300)")
        cached = {"PAGE_CACHE_SECONDS": "300", "LISTING_COUNTS_CACHE": "1"}
        passes["pages_cached"] = serve_and_measure(args, {**env, **cached}, pages)
    report = {
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {"cpus": os.cpu_count(), "platform": sys.platform},
        "settings": {
            "providers": args.providers,
            "seed": args.seed,
            "workers": args.workers,
            "connections": args.connections,
            "threads": args.threads,
            "seconds_per_kind": args.duration,
            "cache": os.environ.get("CACHE_URL") or "locmem",
        },
        "dataset": dataset_counts(env),
        "results": results,
        **passes,
    }
    print_table(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"{stamp}-{'smoke' if args.smoke else args.providers}.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nRésultats : bench/results/{name}")
    failed = [row["kind"] for rows in (results, *passes.values()) for row in rows if not row["ok"]]
    if failed:
        sys.exit(f"Réponses en erreur : {', '.join(failed)}")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=20_000, help="0 : la démo seule")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument("--duration", type=float, default=10, help="secondes par type d'URL")
    parser.add_argument(
        "--connections", type=int, default=2, help="une par worker : latence = temps de service"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="téléchargements chronométrés")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--only",
        default="",
        help="seulement les types contenant l'un de ces textes (séparés par des virgules)",
    )
    parser.add_argument("--skip-setup", action="store_true")
    parser.add_argument("--no-cached-pass", action="store_true", help="sans les passes avec caches")
    parser.add_argument("--smoke", action="store_true", help="10 secondes en tout, démo seule (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.providers, args.repeat = 0, 1
    return args


def server_environment(args):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        BENCH_QUERY_COUNT="1",
        # The benchmark is one client hammering: per-address limits would answer 429.
        API_REQUESTS_PER_MINUTE="1000000000",
        EXPORTS_PER_HOUR="1000000000",
        DJANGO_SETTINGS_MODULE="annuaire.settings",
        STATIC_ROOT=str(ROOT / "bench" / ".static"),
    )
    env.setdefault("CACHE_URL", "")
    return env


def manage(env, *command):
    # DEBUG=1 spares the setup commands the per-process cache warning meant for servers;
    # the static files are still collected with their manifest, as production serves them.
    env = {**env, "DEBUG": "1", "STATIC_MANIFEST": "1"}
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)


def prepare_database(args, env):
    create_database(args.database)
    step("Base de mesure", args.database)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "import_territories", "-v0")
    manage(env, "load_catalogue", "-v0")
    manage(env, "load_demo", "-v0")
    held = django_query(
        env, "from providers.demo.dataset import synthetic; print(synthetic().count())"
    )
    if int(held) != args.providers:
        if args.providers:
            step("Jeu synthétique", f"{args.providers} prestataires, graine {args.seed}")
            manage(env, "generate_dataset", f"--providers={args.providers}", f"--seed={args.seed}")
        else:
            manage(env, "generate_dataset", "--remove", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    analyse(args.database)


def analyse(url):
    """Fresh planner statistics: a database just loaded has none, and place searches on
    the demo took 140 ms instead of 50 ms until autovacuum came by."""
    if not urllib.parse.urlparse(url).scheme.startswith("postgres"):
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def create_database(url):
    parsed = urllib.parse.urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        return
    import psycopg

    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def django_query(env, code):
    """Run `code` in a Django shell on the bench database; its printed output."""
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=ROOT,
        env={**env, "BENCH_QUERY_COUNT": "0", "DEBUG": "1"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


URL_MIX = r"""
import json
from django.urls import reverse
from providers.models import Provider
from territories.models import Territory

def first(queryset):
    found = queryset.first()
    if found is None:
        raise SystemExit(f"introuvable : {queryset.query}")
    return found

provider = first(Provider.objects.published().order_by("-pk"))
region = first(Territory.objects.regions().filter(code="11"))
departement = first(Territory.objects.departements().filter(code="91"))
commune = first(Territory.objects.communes().filter(code="91228"))
epci = first(Territory.objects.epcis().filter(pk=commune.epci_id))
search = reverse("providers:search")
mix = [
    ("floor /robots.txt", "load", "/robots.txt"),
    ("home", "load", "/"),
    ("search", "load", search),
    ("search q=dolibarr", "load", search + "?q=dolibarr"),
    ("search q=installation", "load", search + "?q=installation"),
    ("search q=facturation (need)", "load", search + "?q=facturation"),
    ("search q=nexcloud (typo)", "load", search + "?q=nexcloud"),
    ("search q=nextcloud lyon", "load", search + "?q=nextcloud+lyon"),
    ("search ou=Évry", "load", search + "?ou=%C3%89vry"),
    ("search ou=Évry rayon=20", "load", search + "?ou=%C3%89vry&rayon=20"),
    ("search ou=Essonne", "load", search + "?ou=Essonne"),
    ("search ou=Île-de-France", "load", search + "?ou=%C3%8Ele-de-France"),
    ("search three facets", "load",
     search + "?logiciel=nextcloud&service=hebergement&region=" + region.slug),
    ("search q+ou+facets", "load",
     search + "?q=facturation&ou=Essonne&service=installation&effectif=1-9"),
    ("search page=50", "load", search + "?page=50"),
    ("search par_page=100", "load", search + "?par_page=100"),
    ("search q=installation page=50", "load", search + "?q=installation&page=50"),
    ("provider page", "load", provider.get_absolute_url()),
    ("software Dolibarr", "load", reverse("offerings:software_detail", args=["dolibarr"])),
    ("software Nextcloud", "load", reverse("offerings:software_detail", args=["nextcloud"])),
    ("territory région", "load", region.get_absolute_url()),
    ("territory département", "load", departement.get_absolute_url()),
    ("territory commune", "load", commune.get_absolute_url()),
    ("territory EPCI", "load", epci.get_absolute_url()),
    ("coverage France", "load", reverse("providers:coverage")),
    ("coverage Moodle Occitanie", "load",
     reverse("providers:coverage") + "?logiciel=moodle&region=occitanie"),
    ("coverage Essonne EPCI", "load", reverse("providers:coverage") + "?departement=essonne"),
    ("API providers", "load", reverse("api:providers")),
    ("API providers q+ou", "load", reverse("api:providers") + "?q=nextcloud&ou=Lyon"),
    ("API provider", "load", reverse("api:provider", args=[provider.slug])),
    ("API coverage", "load", reverse("api:coverage") + "?logiciel=moodle&region=occitanie"),
    ("API SILL feed", "download", reverse("api:sill")),
    ("export CSV (all)", "download", reverse("opendata:export", args=["csv"])),
    ("export XLSX (all)", "download", reverse("opendata:export", args=["xlsx"])),
    ("export ODS (all)", "download", reverse("opendata:export", args=["ods"])),
]
print(json.dumps(mix))
"""


def url_mix(env, only):
    kinds = [
        {"kind": kind, "mode": mode, "path": path}
        for kind, mode, path in json.loads(django_query(env, URL_MIX).splitlines()[-1])
    ]
    wanted = [part for part in only.split(",") if part]
    return [
        kind
        for kind in kinds
        if kind["kind"].startswith("floor") or not wanted or any(w in kind["kind"] for w in wanted)
    ]


def dataset_counts(env):
    code = (
        "import json; from providers.models import Provider; from offerings.models import "
        "Offering; print(json.dumps({'providers': Provider.objects.count(), 'published': "
        "Provider.objects.published().count(), 'offerings': Offering.objects.count()}))"
    )
    return json.loads(django_query(env, code).splitlines()[-1])


def serve_and_measure(args, env, kinds):
    server = start_gunicorn(args, env)
    try:
        return measure(args, kinds, server)
    finally:
        server.terminate()
        server.wait(timeout=30)


def start_gunicorn(args, env):
    step("gunicorn", f"{args.workers} workers sur 127.0.0.1:{args.port}")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "annuaire.wsgi",
            f"--workers={args.workers}",
            f"--bind=127.0.0.1:{args.port}",
            "--timeout=120",
            "--no-control-socket",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{args.port}"
    for _ in range(100):
        try:
            if fetch(base + "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn n'a pas démarré.")


def fetch(url):
    """(status, body size, SQL queries, seconds) of one request, as the proxy sends it."""
    request = urllib.request.Request(url, headers=PROXY_HEADERS)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            size = sum(len(chunk) for chunk in iter(lambda: response.read(1 << 16), b""))
            return (
                response.status,
                size,
                response.headers.get("X-Query-Count"),
                time.perf_counter() - started,
            )
    except urllib.error.HTTPError as error:
        return error.code, 0, error.headers.get("X-Query-Count"), time.perf_counter() - started


def measure(args, kinds, server):
    base = f"http://127.0.0.1:{args.port}"
    seconds = 1 if args.smoke else args.duration  # wrk counts whole seconds
    results = []
    for kind in kinds:
        url = base + kind["path"]
        # Enough requests for each worker to have warmed its own caches; the fewest SQL
        # queries seen is what a warm worker runs.
        checks = [fetch(url) for _ in range(4 if kind["mode"] == "load" else 1)]
        status, size, _queries, _seconds = checks[-1]
        queries = min((check[2] for check in checks), key=_query_order)
        row = {**kind, "status": status, "bytes": size, "queries": queries, "ok": status == 200}
        if kind["mode"] == "load":
            row.update(run_wrk(args, url, seconds))
            row["ok"] = row["ok"] and not any(row["errors"].values())
        else:
            before = workers_memory(server.pid)
            durations = [fetch(url)[3] for _ in range(args.repeat)]
            after = workers_memory(server.pid)
            durations.sort()
            row.update(
                seconds=[round(value, 3) for value in durations],
                p50_ms=round(durations[len(durations) // 2] * 1000, 1),
                rss_growth_mb=round(
                    max(
                        worker_after["rss"] - worker_before["rss"]
                        for worker_before, worker_after in zip(before, after, strict=False)
                    )
                    / 1024,
                    1,
                )
                if before and after
                else None,
            )
        results.append(row)
        print(f"  {kind['kind']:<32} {summary(row)}", flush=True)
    floor = results[0].get("rps") or 0
    for row in results:
        if row.get("rps") and floor:
            row["share_of_floor"] = round(row["rps"] / floor, 4)
    memory = workers_memory(server.pid)
    results[0]["workers_peak_rss_mb"] = [round(worker["peak"] / 1024, 1) for worker in memory]
    return results


def _query_order(count):
    """Sort key of an X-Query-Count value ("7", "5+" for a streamed body, None)."""
    if count is None:
        return float("inf")
    return int(count.rstrip("+"))


def run_wrk(args, url, seconds):
    output = subprocess.run(
        [
            "wrk",
            f"--threads={args.threads}",
            f"--connections={args.connections}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=30s",
            f"--script={LUA}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    duration = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / duration, 1) if duration else 0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["errors"],
    }


def workers_memory(master_pid):
    """Current and peak resident memory (KiB) of each gunicorn worker."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    workers = []
    for pid in children.read_text().split() if children.exists() else []:
        status = Path(f"/proc/{pid}/status")
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except OSError:
            continue
        workers.append(
            {"rss": int(fields["VmRSS"].split()[0]), "peak": int(fields["VmHWM"].split()[0])}
        )
    return workers


def summary(row):
    if row["mode"] == "download":
        growth = row.get("rss_growth_mb")
        return (
            f"{row['status']}  {row['p50_ms']:>9.1f} ms  {row['bytes'] / 1e6:>7.2f} MB  "
            f"mémoire +{growth} Mo  requêtes SQL {row['queries']}"
        )
    return (
        f"{row['status']}  {row['rps']:>8.1f} req/s  p50 {row['p50_ms']:>7.1f}  p95 "
        f"{row['p95_ms']:>7.1f}  p99 {row['p99_ms']:>7.1f} ms  {row['bytes'] / 1000:>6.1f} ko  "
        f"SQL {row['queries']}"
    )


def print_table(report):
    step("Résultats", json.dumps(report["dataset"]))
    print_rows(report["results"])
    for name, title in (("counts_cached", "comptes en cache"), ("pages_cached", "pages en cache")):
        if report.get(name):
            step(f"Résultats, {title}")
            print_rows(report[name])


def print_rows(rows):
    header = (
        f"{'URL':<32} {'req/s':>8} {'p50':>8} {'p95':>8} {'p99':>8} {'plancher':>9} "
        f"{'SQL':>5} {'taille':>9}"
    )
    print(header)
    for row in rows:
        if row["mode"] == "download":
            print(
                f"{row['kind']:<32} {'—':>8} {row['p50_ms']:>8.1f} {'—':>8} {'—':>8} {'—':>9} "
                f"{row['queries'] or '—':>5} {row['bytes'] / 1e6:>7.2f}MB  "
                f"+{row['rss_growth_mb']} Mo"
            )
            continue
        share = row.get("share_of_floor")
        print(
            f"{row['kind']:<32} {row['rps']:>8.1f} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
            f"{row['p99_ms']:>8.1f} {share * 100 if share else 0:>8.2f}% "
            f"{row['queries'] or '—':>5} "
            f"{row['bytes'] / 1000:>7.1f}ko"
        )
    peaks = rows[0].get("workers_peak_rss_mb")
    print(f"Mémoire crête des workers : {peaks} Mo")


def step(title, detail=""):
    print(f"\n==> {title} {detail}", flush=True)


def git_commit():
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return ""


if __name__ == "__main__":
    main()
