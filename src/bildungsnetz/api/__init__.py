"""The HTTP service: REST under ``/api`` and the SPARQL 1.1 Protocol at ``/sparql``.

The application that mounts them beside the web pages is built in :mod:`bildungsnetz.app`. This package
imports nothing heavy at import time, so that the ``/sparql`` worker processes start without FastAPI.
"""
