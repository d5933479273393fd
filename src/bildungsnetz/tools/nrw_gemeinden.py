"""Build the table of NRW municipalities ``ontology/staedte/nrw-gemeinden.csv`` from the official school list.

The school list of the Ministerium für Schule und Bildung NRW (Open Data "Schulgrunddaten", dl-de/by-2-0) has a
school in every one of the 396 municipalities, each row with the municipality's key (``Gemeindeschluessel``)
and its name (``Ort``). The table keeps, per key, the name most rows give. ``bildungsnetz city add`` takes a
city's AGS from it.
Regenerate with::

    python -m bildungsnetz.tools.nrw_gemeinden [--schools ../shared/data/schulen/nrw_schuldaten_2021.csv]

A test rebuilds the table from the shared school list and compares it with the committed file.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections import Counter, defaultdict
from pathlib import Path

from bildungsnetz.cities.nrw import TABLE
from bildungsnetz.resources import cities_dir

__all__ = ["build_table", "main"]


def build_table(schools: Path) -> str:
    """The CSV text (``ags,name``, ordered by AGS) derived from the school list at ``schools``."""
    lines = schools.read_text(encoding="utf-8-sig").splitlines()
    if lines and lines[0].startswith("sep="):
        lines = lines[1:]
    names: dict[str, Counter] = defaultdict(Counter)
    for row in csv.DictReader(lines, delimiter=";"):
        ags = (row.get("Gemeindeschluessel") or "").strip()
        if len(ags) != 8 or not ags.isdigit():
            continue
        names[ags][row["Ort"].strip()] += 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ags", "name"])
    for ags in sorted(names):
        writer.writerow([ags, names[ags].most_common(1)[0][0]])
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    """Write the table (command line entry point)."""
    repo = Path(__file__).resolve().parents[3]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=Path, default=repo.parent / "shared/data/schulen/nrw_schuldaten_2021.csv")
    parser.add_argument("--output", type=Path, default=cities_dir() / TABLE)
    args = parser.parse_args(argv)
    args.output.write_text(build_table(args.schools), encoding="utf-8")


if __name__ == "__main__":
    main()
