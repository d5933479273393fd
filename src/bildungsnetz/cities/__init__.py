"""City profiles: districts (Stadtbezirke, Stadtteile), polygons, neighbours, and where a place lies.

The modules by topic: :mod:`.model` (districts, profiles, errors), :mod:`.gebiete` (the CSV district lists),
:mod:`.polygons`, :mod:`.registry` (the one profile loader), :mod:`.rdf` (the profile graph), :mod:`.geo`
(UTM, locator, layout) and :mod:`.lookup` (the name/code resolver).
"""

from __future__ import annotations

from bildungsnetz.cities.gebiete import read_gebiete_csv
from bildungsnetz.cities.geo import DistrictLayout, DistrictLocator, profile_layout, utm32_to_wgs84
from bildungsnetz.cities.lookup import lookup_district, lookup_planning_area
from bildungsnetz.cities.model import (
    COLUMNS,
    EBENEN,
    CityNotFoundError,
    CityProfile,
    CityProfileError,
    District,
    DistrictNotFoundError,
    PlanningArea,
    fold_name,
    slugify,
)
from bildungsnetz.cities.polygons import PolygonReport, UnmatchedFeature, read_polygons
from bildungsnetz.cities.rdf import profile_from_graph, profile_graph
from bildungsnetz.cities.registry import CityRegistry, add_city, list_profiles, load_profile

__all__ = [
    "CityProfile",
    "CityProfileError",
    "CityNotFoundError",
    "CityRegistry",
    "DistrictNotFoundError",
    "District",
    "DistrictLayout",
    "DistrictLocator",
    "PolygonReport",
    "UnmatchedFeature",
    "COLUMNS",
    "EBENEN",
    "add_city",
    "fold_name",
    "list_profiles",
    "load_profile",
    "lookup_district",
    "lookup_planning_area",
    "PlanningArea",
    "profile_from_graph",
    "profile_graph",
    "profile_layout",
    "read_gebiete_csv",
    "read_polygons",
    "slugify",
    "utm32_to_wgs84",
]
