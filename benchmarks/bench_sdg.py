"""Evaluate the SDG suggester on the labelled offer texts: precision@1, recall@3, per-SDG results, abstention.

Usage::

    python benchmarks/bench_sdg.py              # evaluate both parts, write benchmarks/results/sdg.json
    python benchmarks/bench_sdg.py --calibrate  # also fit the score calibration on the development part
    python benchmarks/bench_sdg.py --errors     # list the development texts that went wrong (for tuning)

The vocabulary is tuned on the development part only (teil = entwicklung); the held-out part
(teil = pruefung) is reported, never used for tuning or fitting. See tests/data/sdg/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import platform
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bildungsnetz.sdg.matcher import get_matcher

__all__ = ["load", "evaluate", "fit_calibration", "main"]

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "tests" / "data" / "sdg" / "angebote.csv"
RESULTS = HERE / "results" / "sdg.json"


def load(path: Path = DATA) -> list[dict]:
    """The labelled rows with ``gold`` as a set of goal numbers."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["gold"] = {int(g) for g in row["sdgs"].split(";") if g.strip()}
    return rows


def evaluate(rows: list[dict]) -> dict:
    """Metrics over one part; suggestions are taken as returned (abstaining counts as a miss)."""
    matcher = get_matcher()
    bne = [r for r in rows if r["gold"]]
    other = [r for r in rows if not r["gold"]]
    p1 = r3 = answered = hit_answered = 0.0
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    started = time.perf_counter()
    predictions = {}
    for row in rows:
        ranked = [s.sdg for s in matcher.suggest(row["beschreibung"], title=row["titel"])]
        predictions[row["id"]] = ranked
        top3 = set(ranked[:3])
        for g in top3:
            (tp if g in row["gold"] else fp)[g] += 1
        for g in row["gold"] - top3:
            fn[g] += 1
        if row["gold"]:
            if ranked:
                answered += 1
                if ranked[0] in row["gold"]:
                    p1 += 1
                    hit_answered += 1
            r3 += len(top3 & row["gold"]) / len(row["gold"])
    elapsed = time.perf_counter() - started
    per_sdg = {}
    for g in range(1, 18):
        t, p, n = tp[g], fp[g], fn[g]
        per_sdg[str(g)] = {
            "support": t + n,
            "precision": round(t / (t + p), 3) if t + p else None,
            "recall": round(t / (t + n), 3) if t + n else None,
        }
    return {
        "texts": len(rows),
        "bne_texts": len(bne),
        "non_bne_texts": len(other),
        "precision_at_1": round(p1 / len(bne), 3) if bne else None,
        "precision_at_1_answered": round(hit_answered / answered, 3) if answered else None,
        "recall_at_3": round(r3 / len(bne), 3) if bne else None,
        "bne_abstained": round(1 - answered / len(bne), 3) if bne else None,
        "abstention_accuracy_non_bne": (
            round(sum(1 for r in other if not predictions[r["id"]]) / len(other), 3) if other else None
        ),
        "per_sdg": per_sdg,
        "ms_per_text": round(1000 * elapsed / max(len(rows), 1), 2),
        "predictions": predictions,
    }


def fit_calibration(rows: list[dict]) -> tuple[float, float]:
    """Platt scaling: logistic regression of "goal confirmed" on the evidence value, by Newton's method.

    Every goal with any evidence in a text is one sample (label: the goal is in the reviewer's set).
    """
    matcher = get_matcher()
    xs, ys = [], []
    for row in rows:
        for goal, ev in matcher.evidence(row["beschreibung"], title=row["titel"]).items():
            xs.append(float(ev["value"]))
            ys.append(1.0 if goal in row["gold"] else 0.0)
    a, b = 1.0, 0.0
    for _ in range(50):
        ga = gb = haa = hab = hbb = 0.0
        for x, y in zip(xs, ys, strict=True):
            p = 1 / (1 + math.exp(-(a * x + b)))
            ga += (p - y) * x
            gb += p - y
            w = p * (1 - p)
            haa += w * x * x
            hab += w * x
            hbb += w
        haa += 1e-3  # a little ridge keeps the Newton step defined on separable data
        hbb += 1e-3
        det = haa * hbb - hab * hab
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) + abs(db) < 1e-8:
            break
    return round(a, 3), round(b, 3)


def _print(name: str, m: dict) -> None:
    print(f"\n== {name}: {m['texts']} texts ({m['bne_texts']} BNE, {m['non_bne_texts']} outside BNE)")
    print(f"precision@1              {m['precision_at_1']}")
    print(f"precision@1 (answered)   {m['precision_at_1_answered']}")
    print(f"recall@3                 {m['recall_at_3']}")
    print(f"BNE texts abstained      {m['bne_abstained']}")
    print(f"abstention on non-BNE    {m['abstention_accuracy_non_bne']}")
    print(f"ms per text              {m['ms_per_text']}")
    print("SDG  support  precision  recall")
    for g, v in m["per_sdg"].items():
        print(
            f"{g:>3}  {v['support']:>7}  {v['precision'] if v['precision'] is not None else '-':>9}  "
            f"{v['recall'] if v['recall'] is not None else '-':>6}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true", help="fit a, b on the development part")
    parser.add_argument("--errors", action="store_true", help="list development texts that went wrong")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rows = load()
    dev = [r for r in rows if r["teil"] == "entwicklung"]
    held = [r for r in rows if r["teil"] == "pruefung"]
    results = {"entwicklung": evaluate(dev), "pruefung": evaluate(held)}
    _print("development (entwicklung, used for tuning)", results["entwicklung"])
    _print("held-out (pruefung, never used for tuning)", results["pruefung"])
    if args.errors:
        print("\n== development errors (gold / suggested)")
        preds = results["entwicklung"]["predictions"]
        for r in dev:
            got = preds[r["id"]]
            if (r["gold"] and (not got or got[0] not in r["gold"] or not r["gold"] <= set(got[:3]))) or (
                not r["gold"] and got
            ):
                ev = get_matcher().evidence(r["beschreibung"], title=r["titel"])
                shown = {g: (round(e["value"], 2), e["words"]) for g, e in sorted(ev.items())}
                print(f"{r['id']} {r['titel']!r}: gold {sorted(r['gold'])} got {got} evidence {shown}")
    if args.calibrate:
        a, b = fit_calibration(dev)
        print(f"\ncalibration on the development part: a = {a}, b = {b}  (put into ontology/sdg/modell.toml)")
    matcher = get_matcher()
    payload = {
        "benchmark": "sdg-suggestions",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "method": matcher.model.method,
        "threshold": matcher.model.threshold,
        "rules": len(matcher.rules),
        "data": str(DATA.relative_to(HERE.parent)),
        "results": {k: {kk: vv for kk, vv in v.items() if kk != "predictions"} for k, v in results.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
