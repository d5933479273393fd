"""Network analysis of the education landscape: district networks, brokers, isolates, gaps, reports."""

from __future__ import annotations

from bildungsnetz.analysis.graphs import CityData, cooperation_graph, district_graph, load
from bildungsnetz.analysis.run import Analysis, analyse, run_analysis

__all__ = ["Analysis", "CityData", "analyse", "run_analysis", "load", "cooperation_graph", "district_graph"]
