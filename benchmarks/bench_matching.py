"""How often the name matcher links the right actor on its own, and how much it leaves to a person.

Usage::

    python benchmarks/bench_matching.py                      # Dortmund and Köln schools, the demo's other actors
    python benchmarks/bench_matching.py --cities dortmund    # some cities only

The test set is built from data, never from the matcher: for every school in operation in the cities'
NRW school lists (``../shared/data/schulen``) the names offices write (seeded, reproducible):

- ``kurz``: the list's Kurzbezeichnung without the city ("GG Herderschule", "KG Josef");
- ``ohne_staedt``: name lines 1 and 2 without "Städt."/"Städtische";
- ``ortsteil``: the distinctive word of line 1 with the Ortsteil of line 2 instead of the full name
  ("KGS Josef Wickede");
- ``tippfehler``: a typo in the longest word of line 1 (two letters swapped, or one dropped);
- ``wortfolge``: the words of line 1 in another order, the kind first ("Gesamtschule Reinoldi");
- ``art``: the kind written into the name ("Herder-Grundschule" for "Herderschule");
- ``fremd``: line 1 of a school of *another* city (Düsseldorf), asked in this city: any automatic link is wrong.

and for the demo city's actors that are not schools (``demo``): legal form dropped, abbreviation used
("VHS Dortmund"), the city name dropped, a typo. Queries are blocked by municipality as an import would be.

Reported per variant: names, share linked automatically, top-1 accuracy of those links (goal ≥ 0.98), share
sent to review, whether the right actor is first or among the first five in review, share without candidate.
A table is printed; the figures go to ``benchmarks/results/matching-<time>.json`` (gitignored).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data" / "schulen"
FILES = {"dortmund": "schulen_dortmund.csv", "koeln": "schulen_koeln.csv", "duisburg": "schulen_duisburg.csv"}
FOREIGN = "schulen_duesseldorf.csv"
KIND_WORDS = {
    "02": ("GS", "Grundschule"), "04": ("HS", "Hauptschule"), "10": ("RS", "Realschule"),
    "14": ("SK", "Sekundarschule"), "15": ("GE", "Gesamtschule"), "20": ("Gym.", "Gymnasium"),
    "30": ("BK", "Berufskolleg"), "08": ("FöS", "Förderschule"),
}  # fmt: skip
DEMO_ABBREVIATIONS = {
    "Volkshochschule": "VHS", "Familienzentrum": "FZ", "Kindertagesstätte": "Kita", "Jugendzentrum": "JZ",
    "Städtische": "Städt.", "Evangelische": "Ev.", "Katholische": "Kath.",
}  # fmt: skip
_GENERIC_END = re.compile(r"(schule|gymnasium|kolleg|grundschule)$", re.IGNORECASE)


def read_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8-sig") as f:
        return [
            {k: " ".join((v or "").split()) for k, v in row.items() if k}
            for row in csv.DictReader(f, delimiter=";")
            if row.get("Schulbetriebsschluessel") == "1" and row.get("Schulform") != "0A"
        ]


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 6:
        return word
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


_KIND_ONLY = re.compile(
    r"^((Städt\.|Städtische|Stadt|Kath\.|Ev\.|Gem\.|Köln|Dortmund|-|Primarstufe|Gemeinschaftsgrundschule|"
    r"Grundschule|Hauptschule|Realschule|Gymnasium|Gesamtschule)\s*)+$"
)


def school_variants(row: dict[str, str], rng: random.Random) -> list[tuple[str, str]]:
    one, two = row["Schulbezeichnung_1"], row["Schulbezeichnung_2"]
    short = row["Kurzbezeichnung"].split(",", 1)[-1].strip()
    if _KIND_ONLY.match(one):  # Köln: "Städt. Kath. Grundschule"; the name is the Kurzbezeichnung's street
        name = short.split(" ", 1)[-1]
        if two and not _KIND_ONLY.match(two):  # "Stadt Köln" / "Maternus-Grundschule": line 2 is the name
            one, two = two, ""
        else:
            one, two = f"{one} {name}", ""
    abbr, kind = KIND_WORDS.get(row["Schulform"], ("", ""))
    out = [("kurz", short)]
    plain = re.sub(r"\bStädt(\.|ische[rn]?)\s*", "", f"{one} {two}").strip()
    out.append(("ohne_staedt", plain))
    stem = _GENERIC_END.sub("", one.split()[0]).rstrip("-") if one.split() else ""
    place = two.split()[-1] if two.split() and two.split()[-1][:1].isupper() else ""
    if stem and place and place not in ("Grundschule", "Dortmund", "Köln", "Stadt", "Primarstufe"):
        out.append(("ortsteil", f"{abbr or kind} {stem} {place}".strip()))
    longest = max(re.findall(r"\w+", one), key=len, default="")
    if len(longest) >= 6:
        out.append(("tippfehler", one.replace(longest, typo(longest, rng), 1)))
    parts = re.split(r"[\s-]+", one)
    if len(parts) >= 2:
        out.append(("wortfolge", " ".join([parts[-1], *parts[:-1]])))
    elif kind and _GENERIC_END.search(one) and stem and stem.lower() != one.lower():
        out.append(("wortfolge", f"{kind} {stem}"))
    if kind and one.endswith("schule") and "-" not in one and len(stem) >= 3 and not _KIND_ONLY.match(stem):
        out.append(("art", f"{stem}-{kind}"))
    return [(v, n) for v, n in out if n]


def demo_variants(name: str, city: str, rng: random.Random) -> list[tuple[str, str]]:
    out = []
    text = re.sub(r"\s*(e\.\s?V\.|gGmbH|GmbH & Co\. KG|GmbH|e\.K\.|AG)$", "", name).strip()
    if text != name:
        out.append(("demo_rechtsform", text))
    short = text
    for long, abbr in DEMO_ABBREVIATIONS.items():
        short = short.replace(long, abbr)
    if short != text:
        out.append(("demo_abkuerzung", short))
    without_city = re.sub(rf"\s*\b{re.escape(city)}\b", "", text).strip()
    if without_city and without_city != text:
        out.append(("demo_ohne_stadt", without_city))
    longest = max(re.findall(r"\w+", text), key=len, default="")
    if len(longest) >= 6:
        out.append(("demo_tippfehler", text.replace(longest, typo(longest, rng), 1)))
    return out


def evaluate(matcher, cases, *, municipality) -> dict[str, dict]:
    stats: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    wrong: list[dict] = []
    for variant, text, truth, city in cases:
        s = stats[variant]
        s["n"] += 1
        result = matcher.match(text, municipality=municipality(city))
        ids = [m.candidate.iri for m in result.matches]
        if result.accepted:
            s["auto"] += 1
            if ids[0] == truth:
                s["auto_right"] += 1
            else:
                wrong.append({"variant": variant, "text": text, "truth": truth, "got": result.best.candidate.name})
        elif result.matches:
            s["review"] += 1
            s["review_first"] += bool(ids and ids[0] == truth)
            s["review_top5"] += truth in ids
        else:
            s["none"] += 1
    return {"stats": {k: dict(v) for k, v in stats.items()}, "wrong": wrong}


def table(stats: dict[str, dict]) -> list[dict]:
    rows = []
    total: dict[str, int] = defaultdict(int)
    for variant, s in [*sorted(stats.items()), ("ALLE (ohne fremd)", None)]:
        if s is None:
            s = total
        elif variant != "fremd":
            for k, v in s.items():
                total[k] += v
        n = s.get("n", 0) or 1
        auto = s.get("auto", 0)
        review = s.get("review", 0)
        rows.append({
            "variant": variant, "names": s.get("n", 0), "auto_share": auto / n,
            "auto_accuracy": (s.get("auto_right", 0) / auto) if auto else None,
            "wrong_auto": auto - s.get("auto_right", 0), "review_share": review / n,
            "review_first": (s.get("review_first", 0) / review) if review else None,
            "review_top5": (s.get("review_top5", 0) / review) if review else None,
            "none_share": s.get("none", 0) / n,
        })  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", nargs="+", default=["dortmund", "koeln"], choices=sorted(FILES))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        print(f"{SHARED} fehlt / is missing", file=sys.stderr)
        return 2
    from bildungsnetz.demo.city import generate
    from bildungsnetz.iris import Iris
    from bildungsnetz.matching import Matcher
    from bildungsnetz.matching.sources import school_list_candidates, store_candidates
    from bildungsnetz.store import EmbeddedStore

    rng = random.Random(args.seed)
    iris = Iris()
    candidates, cases = [], []
    schools = 0
    for city in args.cities:
        path = SHARED / FILES[city]
        candidates += school_list_candidates(path, iris=iris)
        for row in read_rows(path):
            schools += 1
            truth = str(iris.akteur(row["Schulnummer"]))
            cases += [(v, text, truth, row["Ort"]) for v, text in school_variants(row, rng)]
    from bildungsnetz.matching.normalise import GENERIC, words

    def distinct(name: str) -> tuple[str, ...]:
        return tuple(sorted(w for w in words(name) if w not in GENERIC))

    home = candidates[0].municipality
    # A Düsseldorf school whose name a school of this city bears too ("Max-Planck-Gymnasium") is that school.
    taken = {distinct(n) for c in candidates if c.municipality == home for n in c.names}
    for row in read_rows(SHARED / FOREIGN):
        if distinct(row["Schulbezeichnung_1"]) not in taken:
            cases.append(("fremd", row["Schulbezeichnung_1"], None, home))
    matcher = Matcher(candidates)
    school_result = evaluate(matcher, cases, municipality=lambda city: city)

    demo = generate(city="dortmund", actors=300, seed=1, iris=iris)
    with EmbeddedStore(None) as store:
        store.replace_graphs(demo.graphs)
        actors = store_candidates(store, iris=iris)
    demo_cases = [
        (v, text, a.iri, "Dortmund")
        for a in actors if a.kind != "schule"
        for v, text in demo_variants(a.name, "Dortmund", rng)
    ]  # fmt: skip
    demo_result = evaluate(Matcher(actors), demo_cases, municipality=lambda city: city)

    stats = {**school_result["stats"], **demo_result["stats"]}
    rows = table(stats)
    header = (
        f"{'Variante':<20}{'Namen':>7}{'auto':>8}{'richtig':>9}{'falsch':>8}{'Prüfung':>9}{'1.':>7}{'Top5':>7}"
        f"{'kein':>7}"
    )
    print(f"Schulen: {schools} aus {', '.join(args.cities)}; Akteure (Demo, keine Schulen): "
          f"{sum(a.kind != 'schule' for a in actors)}")  # fmt: skip
    print(header)

    def pct(x):
        return "–" if x is None else f"{x:.3f}"

    for r in rows:
        print(
            f"{r['variant']:<20}{r['names']:>7}{pct(r['auto_share']):>8}{pct(r['auto_accuracy']):>9}"
            f"{r['wrong_auto']:>8}{pct(r['review_share']):>9}{pct(r['review_first']):>7}"
            f"{pct(r['review_top5']):>7}{pct(r['none_share']):>7}"
        )
    wrong = school_result["wrong"] + demo_result["wrong"]
    for w in wrong[:15]:
        print(f"  falsch automatisch: {w['variant']}: {w['text']!r} → {w['got']!r}")
    out = HERE / "results" / f"matching-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "cities": args.cities, "seed": args.seed, "schools": schools, "python": platform.python_version(),
                "rows": rows, "wrong_auto": wrong,
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )  # fmt: skip
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
