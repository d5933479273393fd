"""The public SPARQL 1.1 endpoint's machinery: query checks, sandboxed worker processes, result formats.

This package imports nothing heavy: its worker processes load it without FastAPI.
"""
