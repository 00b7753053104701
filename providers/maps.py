"""The maps of providers (see territories.maps for the contours and the drawing model):
coverage shaded per département or EPCI, seats as points, and the numbered results of a
search. Each builder returns a `Map`, or None when there is nothing to draw."""

import math
from collections import defaultdict

from territories.maps import (
    NONE_FILL,
    Map,
    MapArea,
    MapPoint,
    context_areas,
    frame_of,
    france_frames,
    project,
    region_outlines,
    shade_scale,
    shape,
    shapes,
    territory_zone,
    zone_of,
)
from territories.models import Level

MAX_SEAT_POINTS = 120  # communes drawn as seats on one map, the busiest first (page weight)
RESULTS_FRAME = 130  # the smallest width of a results map, in map units (≈ 150 km)


def _plural(count, word):
    return f"{count} {word}{'s' if count > 1 else ''}"


def coverage_label(row):
    """« Essonne (91) : 3 prestataires intervenant, dont 1 installé » — also the accessible
    name of its area on the map."""
    if not row.serving:
        return f"{row.territory} : aucun prestataire"
    text = f"{row.territory} : {_plural(row.serving, 'prestataire')} intervenant"
    if row.seated:
        text += f", dont {_plural(row.seated, 'installé')}"
    return text


def coverage_map(rows, scope, *, search_query="", title=""):
    """Areas of `rows` ([AreaCoverage]: départements of France or a région, EPCI of a
    département) shaded by how many providers serve each, those nobody serves hatched.
    Each area links to its territory page (keeping the program chosen, `search_query`)."""
    if not rows:
        return None
    fill_for, legend = shade_scale([row.serving for row in rows])
    suffix = f"?{search_query}" if search_query else ""
    areas = []
    for row in rows:
        contour = shape(row.territory)
        if contour is None:
            continue
        areas.append(
            MapArea(
                code=row.territory.code,
                d=contour["d"],
                fill=fill_for(row.serving) or NONE_FILL,
                none=row.uncovered,
                label=coverage_label(row),
                href=row.territory.get_absolute_url() + suffix,
            )
        )
    title = title or (
        f"Prestataires intervenant par département, {scope.name if scope else 'France'}"
        if rows[0].territory.level == Level.DEPARTEMENT
        else f"Prestataires intervenant par intercommunalité, {scope.name}"
    )
    drawn = Map(title=title, viewbox=tuple(shapes()["viewbox"]), areas=areas)
    drawn.legend = [
        (fill, f"{text} prestataire{'s' if text != '1' else ''}") for fill, text in legend
    ]
    drawn.legend.append((None, "aucun prestataire"))
    if scope is None:
        drawn.frames = france_frames()
        drawn.outlines = region_outlines()
    else:
        _zoom(drawn, scope)
        if scope.level == Level.REGION:
            drawn.outlines = region_outlines({scope.code})
    return drawn


def _zoom(drawn, scope):
    """Frame a map on `scope`, its neighbours drawn grey around it."""
    contour = shape(scope)
    if contour is None:
        return
    drawn.viewbox = frame_of(contour["bbox"])
    own = {area.code for area in drawn.areas}
    level = Level.DEPARTEMENT if scope.level == Level.REGION else Level.EPCI
    drawn.context = context_areas(level, drawn.viewbox, exclude=own)
    if level == Level.EPCI:  # neighbouring départements, and the EPCI seated elsewhere
        drawn.context = context_areas(
            Level.DEPARTEMENT, drawn.viewbox, exclude={scope.code}
        ) + context_areas(Level.EPCI, drawn.viewbox, exclude=own)


def add_seats(drawn, providers):
    """Add the seats of `providers` (a queryset) to `drawn`, one point per commune sized by
    how many are seated there; the busiest MAX_SEAT_POINTS communes at most."""
    if drawn is None:
        return None
    seats = defaultdict(lambda: {"count": 0})
    rows = providers.order_by().values_list(
        "seat_id", "seat__name", "seat__code", "seat__latitude", "seat__longitude"
    )
    for seat_id, name, code, latitude, longitude in rows:
        seat = seats[seat_id]
        seat["count"] += 1
        seat.update(name=name, code=code, latitude=latitude, longitude=longitude)
    busiest = sorted(seats.values(), key=lambda seat: -seat["count"])[:MAX_SEAT_POINTS]
    unit = drawn.unit
    for seat in busiest:
        position = project(seat["latitude"], seat["longitude"], zone_of(seat["code"][:3]))
        if position is None:
            continue
        count = seat["count"]
        drawn.points.append(
            MapPoint(
                x=position[0],
                y=position[1],
                r=round(unit * (0.6 + 0.35 * math.sqrt(count)), 2),
                label=f"{seat['name']} : {_plural(count, 'prestataire')} "
                f"{'y ont leur' if count > 1 else 'y a son'} siège",
            )
        )
    if len(seats) > len(busiest):
        drawn.note = (
            f"Les {len(busiest)} communes comptant le plus de sièges sont dessinées "
            f"sur {len(seats)}."
        )
    return drawn


def results_map(providers, place, *, start=1):
    """The seats of a page of results as numbered points (matching the list's numbers; not
    links: the list right below is where to go), on a map framed on `place`, the searched
    territory, at least RESULTS_FRAME units (≈ 150 km) wide. Seats outside the frame
    (further away, overseas, or of unknown position) are left out, and the note says how
    many: drawing all of France for two far-away providers made the page 4 times heavier."""
    focus = _place_bbox(place)
    if focus is None:
        return None
    centre = ((focus[0] + focus[2]) / 2, (focus[1] + focus[3]) / 2)
    side = max(focus[2] - focus[0], focus[3] - focus[1], RESULTS_FRAME)
    frame = [centre[0] - side / 2, centre[1] - side / 2, centre[0] + side / 2, centre[1] + side / 2]
    zone = territory_zone(place)
    positions = []
    left_out = 0
    for number, provider in enumerate(providers, start=start):
        latitude, longitude = provider.position
        seat_zone = zone_of(provider.seat.departement_code)
        point = project(latitude, longitude, seat_zone) if seat_zone == zone else None
        if point is None or not (
            frame[0] <= point[0] <= frame[2] and frame[1] <= point[1] <= frame[3]
        ):
            left_out += 1
            continue
        positions.append((number, provider, point, provider.distance_text))
    viewbox = frame_of(frame, padding=0.04)
    drawn = Map(title=f"Sièges des prestataires de cette page, autour de {place}", viewbox=viewbox)
    drawn.context = context_areas(Level.DEPARTEMENT, viewbox)
    unit = drawn.unit
    # The first results last, so that they are drawn on top where points overlap.
    for number, provider, (x, y), distance in reversed(positions):
        label = f"{number}. {provider.name}, siège à {provider.seat.name}"
        if distance:
            label += f", {distance}"
        drawn.points.append(MapPoint(x=x, y=y, r=round(unit * 2.2, 2), label=label, number=number))
    if left_out:
        drawn.note = (
            f"{_plural(left_out, 'prestataire')} de cette page "
            f"{'ont leur' if left_out > 1 else 'a son'} siège hors du cadre de cette carte "
            "(plus loin, outre-mer ou position inconnue)."
        )
    return drawn


def _place_bbox(place):
    """A small box around the searched place: its contour, or its point for a commune."""
    contour = shape(place)
    if contour is not None:
        return contour["bbox"]
    point = project(place.latitude, place.longitude, zone_of(place.departement_code))
    if point is None:
        return None
    return [point[0] - 1, point[1] - 1, point[0] + 1, point[1] + 1]
