"""Distances on the Earth, in Python and in SQL, the same on PostgreSQL and SQLite.

Hand-written rather than a GIS extension: the directory measures from a commune's point to
a few thousand providers' points, for which the haversine formula (a sphere of radius
6,371 km, within 0.5% of the ellipsoid) is plenty. Django's Sin, Cos, ASin, Sqrt and Power
run on both databases (Django registers them on SQLite), so one expression serves both and
PostGIS or SpatiaLite are not needed. A bounding box in plain comparisons narrows the rows
before the trigonometry.
"""

import math

from django.db.models import Case, FloatField, Value, When
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.db.models.lookups import GreaterThan

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_OF_LATITUDE = math.pi * EARTH_RADIUS_KM / 180


def haversine_km(latitude1, longitude1, latitude2, longitude2):
    """Great-circle distance between two points given in degrees, in kilometres."""
    phi1, phi2 = math.radians(latitude1), math.radians(latitude2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(longitude2 - longitude1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_km_expression(latitude, longitude, origin_latitude, origin_longitude):
    """The haversine distance from a fixed origin to the point in the expressions
    `latitude`, `longitude` (degrees), as a database expression; NULL where they are."""
    origin_phi = math.radians(origin_latitude)
    phi = Radians(latitude)
    half_dphi = (phi - Value(origin_phi)) / 2
    half_dlambda = (Radians(longitude) - Value(math.radians(origin_longitude))) / 2
    a = Power(Sin(half_dphi), 2) + Value(math.cos(origin_phi)) * Cos(phi) * Power(
        Sin(half_dlambda), 2
    )
    # At most 1: rounding must never take ASIN out of its domain (PostgreSQL raises). Not
    # LEAST(): PostgreSQL's ignores a NULL (an unknown position would read as 20,015 km)
    # where SQLite's MIN() returns NULL; a CASE keeps NULL on both.
    root = Sqrt(a)
    clamped = Case(
        When(GreaterThan(root, 1.0), then=Value(1.0)), default=root, output_field=FloatField()
    )
    return Value(2 * EARTH_RADIUS_KM) * ASin(clamped, output_field=FloatField())


def bounding_box(latitude, longitude, radius_km):
    """(south, north, west, east) in degrees of a box holding every point within
    `radius_km` of the origin (wider near the poles, never narrower). It does not wrap
    around ±180° of longitude: no French commune is within 100 km of it."""
    dlat = radius_km / KM_PER_DEGREE_OF_LATITUDE
    cos_lat = math.cos(math.radians(min(89.0, abs(latitude) + dlat)))
    dlon = min(180.0, radius_km / (KM_PER_DEGREE_OF_LATITUDE * cos_lat))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def distance_label(km, *, same_place=False):
    """How far, as a person says it: « sur place », « à moins de 1 km », « à 7 km »,
    « à 240 km » (tens of km past 100), « à 1 250 km »; "" when unknown."""
    if same_place:
        return "sur place"
    if km is None:
        return ""
    if km < 1:
        return "à moins de 1 km"
    rounded = round(km) if km < 100 else int(round(km, -1))
    return "à {} km".format(f"{rounded:,}".replace(",", "\u202f"))
