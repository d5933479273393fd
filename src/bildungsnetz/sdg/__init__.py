"""SDG mapping for BiNaKom: explainable suggestions, the confirm/reject workflow, coverage and partners."""

from __future__ import annotations

from .coverage import coverage
from .matcher import Suggestion, get_matcher, suggest, suggest_file
from .partners import partner_suggestions
from .report import write_sdg_report
from .workflow import decide, offer_suggestions, pair_states, suggest_store

__all__ = [
    "Suggestion",
    "get_matcher",
    "suggest",
    "suggest_file",
    "suggest_store",
    "decide",
    "offer_suggestions",
    "pair_states",
    "coverage",
    "partner_suggestions",
    "write_sdg_report",
]
