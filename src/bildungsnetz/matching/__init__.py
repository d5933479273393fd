"""Free-text organisation names matched to the actors of a city: normalised names, an alias index, scores that
favour the distinctive word, auto-accept only where it is safe, a review queue and decisions as data."""

from bildungsnetz.matching.index import AUTO_MARGIN, AUTO_SCORE, Candidate, Match, Matcher, Result
from bildungsnetz.matching.normalise import fold, normalise, words

__all__ = [
    "AUTO_MARGIN",
    "AUTO_SCORE",
    "Candidate",
    "Match",
    "Matcher",
    "Result",
    "fold",
    "normalise",
    "words",
]
