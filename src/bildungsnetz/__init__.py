"""bildungsnetz: the knowledge graph of a city's education landscape."""

__all__ = ["__version__"]

__version__ = "0.1.0"
