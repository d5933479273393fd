"""The one colour scale of sectors, read by the gap report's pictures and the web's stylesheet alike."""

from __future__ import annotations

__all__ = ["SECTOR_COLOURS", "sector_css"]

#: Sector code → colour of its actors in network pictures and legends (``None``: no or unknown sector).
#: Chosen for WCAG AA contrast of white text and of the dots against a white background.
SECTOR_COLOURS: dict[str | None, str] = {
    "bildung": "#1f5fa8",
    "jugendhilfe": "#c2410c",
    "kultur": "#7e3fa6",
    "sport": "#1d7a4b",
    "wirtschaft": "#8a6d00",
    "verwaltung": "#4b5563",
    "zivilgesellschaft": "#b3245c",
    None: "#777777",
}


def sector_css() -> str:
    """The colours as CSS custom properties ``--s-<sector>`` (``--s-x`` for no sector), for the web pages.

    >>> sector_css().splitlines()[1]
    '  --s-bildung: #1f5fa8;'
    """
    lines = [f"  --s-{code or 'x'}: {colour};" for code, colour in SECTOR_COLOURS.items()]
    return ":root {\n" + "\n".join(lines) + "\n}\n"
