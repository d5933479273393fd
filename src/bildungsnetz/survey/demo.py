"""A survey round for the demo city: realistic non-response (about 70 %, lower in two Stadtbezirke), one-sided
and unconfirmed ties, drafts and opened links, so every survey view can be seen without real data."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from bildungsnetz.iris import Iris
from bildungsnetz.queries import get, run
from bildungsnetz.store.base import Store
from bildungsnetz.survey.answers import save_many
from bildungsnetz.survey.model import TIE_KINDS, Answers, PartnerAnswer
from bildungsnetz.survey.rounds import create_round, roster, round_graph

__all__ = ["DEMO_ROUND", "RESPONSE", "LOW_RESPONSE", "demo_round"]

#: Name of the demo's survey round.
DEMO_ROUND = "demo-2026"
#: Chance that an invited actor answers; in the two Stadtbezirke with low response.
RESPONSE, LOW_RESPONSE = 0.78, 0.42


def demo_round(
    store: Store, iris: Iris, *, seed: int = 1, city: str = "", stichtag: date = date(2026, 3, 1)
) -> dict[str, int]:
    """Create the demo round and plant its answers (the same seed gives the same answers).

    Respondents name most of their documented partners (intensity and frequency drawn from the instrument's
    scales) and now and then a further actor of their Stadtbezirk that nothing documents, so the round has
    confirmed, one-sided and unconfirmed ties. Returns ``invited``, ``answered``, ``drafts`` and ``opened``.
    """
    rng = random.Random(seed)
    prefixes = (round_graph(iris, DEMO_ROUND), round_graph(iris, DEMO_ROUND, private=True))
    earlier = [g for g in map(str, store.named_graphs()) if g in prefixes or g.startswith(tuple(f"{p}/" for p in
                                                                                              prefixes))]  # fmt: skip
    if earlier:  # a rebuilt demo plants its round afresh
        store.drop_graphs(earlier)
    create_round(store, iris, name=DEMO_ROUND, title="Netzwerkbefragung 2026 (Demo)", stichtag=stichtag,
                 closes=stichtag + timedelta(days=61), city=city, agent="demo")  # fmt: skip
    entries = roster(store, iris, DEMO_ROUND)
    invited = {e.actor for e in entries}
    documented: dict[str, set[str]] = defaultdict(set)
    rows = run(get("kooperationen", folder="analysis"), {"date": stichtag.isoformat()}, store=store, iris=iris,
               city=city or "stadt").rows  # fmt: skip
    partners: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        partners[r["cooperation"]].add(r["partner"])
    for members in partners.values():
        for a in members & invited:
            documented[a] |= (members & invited) - {a}
    districts = sorted({e.stadtbezirk for e in entries if e.stadtbezirk})
    low = set(rng.sample(districts, 2)) if len(districts) > 2 else set()
    by_district: dict[str, list[str]] = defaultdict(list)
    for e in entries:
        by_district[e.stadtbezirk].append(e.actor)
    kinds = sorted(TIE_KINDS)
    planted: dict[str, tuple[Answers | None, str]] = {}
    counts = {"invited": len(entries), "answered": 0, "drafts": 0, "opened": 0}
    for e in entries:
        chance = LOW_RESPONSE if e.stadtbezirk in low else RESPONSE
        draw = rng.random()
        if draw >= chance:  # no answer: some opened the link or left a draft
            if draw >= chance + (1 - chance) * 0.8:
                planted[e.actor] = (None, "geoeffnet")
                counts["opened"] += 1
            continue
        named = sorted(p for p in documented[e.actor] if rng.random() < 0.85)
        neighbours = [a for a in by_district[e.stadtbezirk] if a != e.actor and a not in named]
        if neighbours and rng.random() < 0.5:
            named.append(rng.choice(sorted(neighbours)))
        answers = Answers(
            partners=tuple(
                PartnerAnswer(p, frequency=rng.randint(2, 5), intensity=rng.randint(2, 4) if p in documented[e.actor]
                              else rng.randint(1, 2), kinds=(rng.choice(kinds),),
                              trust=(rng.randint(2, 4), rng.randint(2, 4), rng.randint(1, 4)) if rng.random() < 0.5
                              else (None, None, None))
                for p in named
            ),
            desired=tuple(sorted(rng.sample(sorted(neighbours), 1))) if neighbours and rng.random() < 0.3 else (),
            contributes=tuple(sorted(rng.sample(["fachwissen", "raeume", "personal", "zielgruppen"], 2))),
            consent=True,
        )  # fmt: skip
        answers = Answers(partners=answers.partners, desired=tuple(d for d in answers.desired if d not in named),
                          contributes=answers.contributes, consent=True)  # fmt: skip
        if rng.random() < 0.05:
            planted[e.actor] = (answers, "entwurf")
            counts["drafts"] += 1
        else:
            planted[e.actor] = (answers, "beantwortet")
            counts["answered"] += 1
    save_many(store, iris, DEMO_ROUND, planted)
    return counts
