"""Network analysis of the education landscape: district networks, brokers, isolates, gaps, reports."""

from __future__ import annotations

from .analyse import Analysis, analyse, run_analysis
from .graphs import CityData, cooperation_graph, district_graph, load

__all__ = ["Analysis", "CityData", "analyse", "run_analysis", "load", "cooperation_graph", "district_graph"]
