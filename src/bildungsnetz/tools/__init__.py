"""Generators of committed artefacts: the SDG vocabulary, the ontology documentation."""
