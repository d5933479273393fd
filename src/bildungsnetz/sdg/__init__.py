"""SDG mapping for BiNaKom: explainable suggestions, the confirm/reject workflow, coverage and partners."""

from __future__ import annotations

from bildungsnetz.sdg.coverage import coverage
from bildungsnetz.sdg.matcher import Suggestion, get_matcher, suggest, suggest_file
from bildungsnetz.sdg.partners import partner_suggestions
from bildungsnetz.sdg.workflow import decide, offer_suggestions, pair_states, suggest_store

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
]
