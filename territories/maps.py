"""Maps drawn by our own server: the simplified contours of régions, départements and EPCI
(territories/data/map-shapes.json.gz, built by ops/build_map_shapes.py, see the data
README), their projection, and a small model of an SVG map that templates draw
(templates/includes/map.html): no tile server, no script, nothing from a third party.

Hand-written rather than a mapping library: the maps are a fixed set of pre-projected
paths with a viewBox, some shaded, some points; a library (and its JavaScript) would add
weight and a dependency for what amounts to string formatting.
"""

import functools
import gzip
import json
import math
import zlib
from dataclasses import dataclass, field

from django.conf import settings

from .models import Level

# Light to dark: what a count reads as on a map. Blue ramp with contrast between each step
# and against the white « none » hatching; the table below each map carries the numbers.
SHADES = ("#dce8f5", "#9ec1e6", "#5b91cc", "#2a5d9f", "#133a6b")
NONE_FILL = "#ffffff"
OTHER_FILL = "#eeeeee"  # areas around the map's own, drawn for context
PADDING = 0.04  # of the width or height, around a zoomed map


@functools.cache
def shapes():
    """The vendored contours: {"viewbox", "zones", "region", "departement", "epci"}."""
    with gzip.open(settings.MAP_SHAPES, "rt", encoding="utf-8") as data:
        return json.load(data)


def zone_of(departement_code):
    """The projection zone of a département: "metro", or its own code overseas."""
    return departement_code if departement_code.startswith("97") else "metro"


# The five overseas régions are one département each.
OVERSEAS_REGIONS = {"01": "971", "02": "972", "03": "973", "04": "974", "06": "976"}


def territory_zone(territory):
    """The projection zone a territory is drawn in."""
    if territory.level == Level.REGION:
        return OVERSEAS_REGIONS.get(territory.code, "metro")
    if territory.level == Level.EPCI:
        return zone_of(territory.departement.code) if territory.departement_id else "metro"
    return zone_of(territory.departement_code)


def project(latitude, longitude, zone):
    """(x, y) in the map's coordinates of a WGS84 point in `zone`; None when unknown."""
    if latitude is None or longitude is None:
        return None
    params = shapes()["zones"].get(zone)
    if params is None:
        return None
    x = (longitude - params["lon0"]) * math.cos(math.radians(params["lat0"])) * params["scale"]
    y = (params["lat_max"] - latitude) * params["scale"]
    return round(x + params["dx"], 1), round(y + params["dy"], 1)


def shape(territory):
    """The contour of a région, département or EPCI ({"d", "bbox", "zone"}), or None."""
    return shapes().get(territory.level, {}).get(territory.code)


@dataclass
class MapArea:
    code: str
    d: str
    fill: str
    label: str = ""  # the accessible name; areas without one are context, not links
    href: str = ""
    none: bool = False  # nobody there: drawn hatched


@dataclass
class MapPoint:
    x: float
    y: float
    r: float
    label: str
    href: str = ""
    number: int | None = None

    @property
    def font_size(self):
        return f"{self.r * 1.1:.2f}"


@dataclass
class Map:
    """What templates/includes/map.html draws."""

    title: str
    viewbox: tuple
    areas: list = field(default_factory=list)
    context: list = field(default_factory=list)  # neighbours, drawn grey, not links
    points: list = field(default_factory=list)
    frames: list = field(default_factory=list)  # the overseas insets' boxes
    outlines: list = field(default_factory=list)  # région borders drawn over the areas
    legend: list = field(default_factory=list)  # (fill, text)
    note: str = ""

    @property
    def viewbox_attribute(self):
        return " ".join(f"{value:g}" for value in self.viewbox)

    @property
    def unit(self):
        """One hundredth of the map's width: the size of points and labels."""
        return self.viewbox[2] / 100

    @property
    def hatch_size(self):
        return f"{self.unit * 1.2:.2f}"

    @property
    def hatch_stroke(self):
        return f"{self.unit * 0.35:.2f}"

    @property
    def hatch_id(self):
        return f"map-none-{zlib.crc32(self.title.encode()):x}"


def shade_scale(counts):
    """(fill_for(count), legend): counts split into up to five classes of about equal size,
    nothing (0) apart as « aucun prestataire »."""
    positive = sorted(count for count in counts if count > 0)
    bounds = []
    if positive:
        steps = min(len(SHADES), len(set(positive)))
        for index in range(1, steps + 1):
            bound = positive[min(len(positive) - 1, math.ceil(index * len(positive) / steps) - 1)]
            if not bounds or bound > bounds[-1]:
                bounds.append(bound)

    def fill_for(count):
        if count <= 0:
            return None
        for index, bound in enumerate(bounds):
            if count <= bound:
                return SHADES[index]
        return SHADES[len(bounds) - 1]

    legend = []
    low = 1
    for index, bound in enumerate(bounds):
        text = str(bound) if low == bound else f"{low} à {bound}"
        legend.append((SHADES[index], text))
        low = bound + 1
    return fill_for, legend


def frame_of(bbox, padding=PADDING):
    """A viewBox (x, y, width, height) around a bounding box, with some room."""
    minx, miny, maxx, maxy = bbox
    width, height = maxx - minx, maxy - miny
    pad = max(width, height) * padding
    return (
        round(minx - pad, 1),
        round(miny - pad, 1),
        round(width + 2 * pad, 1),
        round(height + 2 * pad, 1),
    )


def overlaps(bbox, viewbox):
    minx, miny, maxx, maxy = bbox
    x, y, width, height = viewbox
    return minx < x + width and maxx > x and miny < y + height and maxy > y


def region_outlines(codes=None):
    """The contours of the régions (those of `codes`, or all), to draw their borders over
    the départements they group."""
    regions = shapes()["region"]
    return [item["d"] for code, item in regions.items() if codes is None or code in codes]


def france_frames():
    """The overseas insets' boxes on the map of France."""
    return [zone["frame"] for zone in shapes()["zones"].values() if zone.get("frame")]


def context_areas(level, viewbox, exclude=()):
    """Areas of `level` around a zoomed map's own, grey, for orientation."""
    return [
        MapArea(code, item["d"], OTHER_FILL)
        for code, item in shapes()[level].items()
        if code not in exclude and overlaps(item["bbox"], viewbox)
    ]
