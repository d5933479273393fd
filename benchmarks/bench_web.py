"""Server-side render time of every web page on the demo city (goal: under 300 ms at 2,000 actors).

Usage::

    python benchmarks/bench_web.py                  # 2,000 actors, 20 renders per page
    python benchmarks/bench_web.py --actors 10000 --repeat 10
    python benchmarks/bench_web.py --store DIR      # an existing store instead of a fresh demo city

The app runs in-process (Starlette's test client, no network); each page's time is the ``Server-Timing``
header the pages set (the handler from first line to finished HTML) and, beside it, the client-side time of
the whole request. Per page: the *first* request right after startup (pages do not wait for the city data or
the network analysis computed in the background since the start: they say "wird berechnet" and reload
themselves), the time after start until the page shows everything, and the *warm* renders after that (p50,
p95, max), which is what users meet. A table is printed and the figures are written to
``benchmarks/results/web-<time>.json`` (gitignored).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOAL_MS = 300.0
#: What a page holds while its analysis part is computed in the background (see ``web/templates/macros.html``).
PENDING = 'data-reload="'


def build_store(actors: int, directory: Path) -> None:
    from bildungsnetz.demo.city import generate
    from bildungsnetz.iris import Iris
    from bildungsnetz.reference import reference_graphs
    from bildungsnetz.store import EmbeddedStore

    iris = Iris()
    city = generate(city="dortmund", actors=actors, seed=1, iris=iris)
    graphs = dict(city.graphs)
    graphs.update(reference_graphs(["dortmund"], iris))
    store = EmbeddedStore(directory)
    store.replace_graphs(graphs)
    store.close()


def pages(client) -> list[tuple[str, str]]:
    """The pages to time: one of each kind, with ids taken from the data itself."""
    import re

    found = client.get("/abfragen/actors?akteursart=schule&ausfuehren=1").text  # answers at once after a start
    actor = re.search(r'href="/akteur/([^"]+)"', found)[1]
    return [
        ("start", "/"),
        ("search", "/?q=Gesamtschule"),
        ("actor", f"/akteur/{actor}"),
        ("stadtbezirk", "/gebiet/stadtbezirk/1"),
        ("stadtteil", "/gebiet/stadtteil/01"),
        ("sdgs", "/sdgs"),
        ("sdgs-district-goal", "/sdgs?stadtbezirk=8&ziel=13"),
        ("sdgs-queue (redaktion)", "/sdgs#queue"),
        ("sdgs-queue page 2, SDG 4", "/sdgs?pruef_sdg=4&seite=2"),
        ("reports", "/berichte"),
        ("queries", "/abfragen"),
        ("query-result", "/abfragen/actors?akteursart=schule&ausfuehren=1"),
        ("sparql-editor", "/sparql-editor?query=SELECT%20%3Fs%20WHERE%20%7B%3Fs%20a%20%3Fo%7D%20LIMIT%20100"),
        ("import (redaktion)", "/import"),
        ("network", "/netzwerk/BN-8"),
    ]


def server_ms(response) -> float:
    header = response.headers.get("server-timing", "")
    return float(header.split("dur=")[1]) if "dur=" in header else float("nan")


def run(store: Path, repeat: int, wait: float = float("inf"), decisions_only: bool = False) -> list[dict]:
    from fastapi.testclient import TestClient

    from bildungsnetz.api.auth import hash_token, new_token
    from bildungsnetz.app import create_app
    from bildungsnetz.settings import Settings

    token = new_token()
    settings = Settings(store=store, api_tokens=[hash_token(token, roles=["redaktion", "intern"])])
    rows = []
    with TestClient(create_app(settings)) as client:
        login = client.get("/anmelden")
        csrf = login.text.split('name="csrf" value="')[1].split('"')[0]
        # not following the redirect: the start page's first request is measured below, as a visitor meets it
        client.post("/anmelden", data={"token": token, "csrf": csrf, "next": "/"}, follow_redirects=False)
        started = time.perf_counter()
        if decisions_only:  # once the review queue shows everything (the background analysis has run)
            while PENDING in client.get("/sdgs").text and time.perf_counter() - started < wait:
                time.sleep(0.25)
            return [decisions(client, repeat)]
        targets = pages(client)
        firsts = {}
        for name, url in targets:  # every page's first request right after start, as visitors would meet it
            t0 = time.perf_counter()
            first = client.get(url)
            firsts[name] = (first, (time.perf_counter() - t0) * 1000)
            assert first.status_code == 200, (url, first.status_code)
        answered = time.perf_counter()
        ready: dict[str, float | None] = {}
        for name, url in targets:  # then until each page shows everything ("wird berechnet" gone)
            while (pending := PENDING in client.get(url).text) and time.perf_counter() - started < wait:
                time.sleep(0.25)
            ready[name] = None if pending else round((time.perf_counter() - started) * 1000, 1)
        for name, url in targets:
            first, first_client = firsts[name]
            warm = []
            for _ in range(repeat):
                warm.append(server_ms(client.get(url)))
            warm.sort()
            rows.append(
                {
                    "page": name,
                    "url": url,
                    "first_ms": round(server_ms(first), 1),
                    "first_client_ms": round(first_client, 1),
                    "first_pending": PENDING in first.text,
                    "complete_after_ms": ready[name],
                    "p50_ms": round(statistics.median(warm), 1),
                    "p95_ms": round(warm[min(len(warm) - 1, int(0.95 * len(warm)))], 1),
                    "max_ms": round(warm[-1], 1),
                    "bytes": len(first.content),
                }
            )
        rows.append({"page": "(all first requests)", "url": "", "first_ms": round(
            (answered - started) * 1000, 1)})  # fmt: skip
        done = [v for v in ready.values() if v is not None]
        rows.append({"page": "(until every page is complete)", "url": "",
                     "first_ms": max(done) if len(done) == len(ready) else float("nan")})  # fmt: skip
        rows.append(decisions(client, repeat))
    return rows


def decisions(client, repeat: int) -> dict:
    """SDG review decisions as the page script sends them (JSON answer), one after another from the queue."""
    import re

    page = client.get("/sdgs").text
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    pairs = re.findall(r'name="offer" value="([^"]+)">\s*<input type="hidden" name="sdg" value="([^"]+)">', page)
    pairs = list(dict.fromkeys(pairs))[: max(1, repeat)]
    times = []
    for offer, sdg in pairs:
        response = client.post(
            "/sdgs/entscheidung",
            data={"offer": offer, "sdg": sdg, "status": "bestaetigt", "csrf": csrf},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 200, response.text[:200]
        times.append(server_ms(response))
    after = client.get("/sdgs")  # the page right after the last decision (coverage served until recomputed)
    times.sort()
    return {
        "page": f"SDG decision (POST, {len(times)}x)",
        "url": "/sdgs/entscheidung",
        "first_ms": round(server_ms(after), 1),
        "first_client_ms": 0.0,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
        "max_ms": round(times[-1], 1),
        "bytes": 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actors", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--store", type=Path, default=None, help="existing store (default: fresh demo city)")
    parser.add_argument("--wait", type=float, default=float("inf"),
                        help="seconds after start to wait for complete pages; warm figures of pages still "
                             "computing are then those of the 'wird berechnet' page")  # fmt: skip
    parser.add_argument("--decisions-only", action="store_true",
                        help="only the SDG decisions (on a copy of --store: decisions change it)")  # fmt: skip
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        store = args.store
        if store is None:
            store = Path(tmp) / "store"
            t0 = time.perf_counter()
            build_store(args.actors, store)
            sys.stdout.write(f"demo city, {args.actors} actors: built in {time.perf_counter() - t0:.1f} s\n")
        if args.decisions_only and args.store is not None:
            import shutil

            store = Path(tmp) / "store"
            shutil.copytree(args.store, store)
        rows = run(store, args.repeat, args.wait, args.decisions_only)
    head = f"{'page':<38} {'first':>8} {'done':>8} {'p50':>7} {'p95':>7} {'max':>7} {'KB':>6}"
    lines = [head, "-" * len(head)]
    slow = []
    for r in rows:
        if "p50_ms" not in r:
            lines.append(f"{r['page']:<38} {r['first_ms']:>8.1f}")
            continue
        first = f"{r['first_ms']:.1f}" + ("*" if r.get("first_pending") else "")
        lines.append(
            f"{r['page']:<38} {first:>8} {r.get('complete_after_ms') or float('nan'):>8.0f} {r['p50_ms']:>7.1f} "
            f"{r['p95_ms']:>7.1f} {r['max_ms']:>7.1f} {r['bytes'] / 1024:>6.0f}"
        )
        if r["p95_ms"] > GOAL_MS:
            slow.append(r["page"])
    lines.append("first: the first request after start (* said 'wird berechnet'); done: ms after start until the "
                 "page showed everything")
    lines.append(f"server-side ms (Server-Timing); goal p95 < {GOAL_MS:.0f} ms warm: "
                 + ("met" if not slow else "missed by " + ", ".join(slow)))  # fmt: skip
    sys.stdout.write("\n".join(lines) + "\n")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"web-{stamp}.json").write_text(json.dumps({"actors": args.actors, "pages": rows}, indent=2))
    return 0 if not slow else 1


if __name__ == "__main__":
    raise SystemExit(main())
