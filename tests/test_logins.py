"""Signing in: a token made by the CLI works as printed, names its person in PROV; the demo login works in a
demo store and nowhere else."""

from __future__ import annotations

import re

import httpx
from typer.testing import CliRunner

from bildungsnetz.cli import app
from bildungsnetz.settings import Settings, get_settings
from conftest import IRIS, LiveServer, stored

runner = CliRunner()


def _pasted_setting(output: str) -> tuple[str, str]:
    """The token and the value of BILDUNGSNETZ_API_TOKENS exactly as ``token new`` / ``user add`` print them."""
    lines = output.splitlines()
    token = lines[lines.index(next(line for line in lines if line.startswith("Schlüssel"))) + 1].strip()
    m = re.search(r"^BILDUNGSNETZ_API_TOKENS='(.*)'$", output, re.MULTILINE)
    assert m, output
    return token, m[1]


def test_token_new_prints_a_setting_that_a_real_server_accepts_and_prov_names_the_person(
    demo_graphs, tmp_path, monkeypatch
):
    result = runner.invoke(app, ["user", "add", "Anna Müller", "--role", "redaktion"])
    assert result.exit_code == 0, result.output
    token, value = _pasted_setting(result.output)
    monkeypatch.setenv("BILDUNGSNETZ_API_TOKENS", value)  # pasted as printed
    stored(demo_graphs, tmp_path)
    monkeypatch.setenv("BILDUNGSNETZ_STORE", str(tmp_path / "store"))
    get_settings.cache_clear()
    with LiveServer(Settings(sparql_workers=1)) as live:
        offers = httpx.get(live.url + "/api/offers", params={"sdg": "4", "limit": 1}, timeout=120)
        offer = offers.json()["items"][0]["id"]
        answer = httpx.post(
            f"{live.url}/api/offers/{offer}/sdgs",
            json={"sdg": "13", "status": "bestaetigt"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["user"] == str(IRIS.nutzer("Anna Müller"))  # a person, not a token hash
        wrong = httpx.post(
            f"{live.url}/api/offers/{offer}/sdgs",
            json={"sdg": "13", "status": "bestaetigt"},
            headers={"Authorization": "Bearer " + "x" * 43},
        )
        assert wrong.status_code == 401


def test_token_new_without_a_name_prints_a_json_list_too(monkeypatch):
    result = runner.invoke(app, ["token", "new", "--role", "intern"])
    assert result.exit_code == 0, result.output
    token, value = _pasted_setting(result.output)
    monkeypatch.setenv("BILDUNGSNETZ_API_TOKENS", value)
    from bildungsnetz.api.auth import TokenTable

    assert TokenTable(Settings().api_tokens).roles(token) == {"intern"}


def test_a_name_with_a_colon_is_refused_with_one_line():
    result = runner.invoke(app, ["user", "add", "Anna: Müller"])
    assert result.exit_code != 0
    assert "Name" in result.output and "Traceback" not in result.output


def test_the_demo_login_works_in_a_demo_store_and_not_beside_real_data(demo_graphs, tmp_path):
    from bildungsnetz.demo.login import ensure_login, login_file

    demo = stored(demo_graphs, tmp_path / "demo")
    token = ensure_login(demo.store)
    assert login_file(demo.store).stat().st_mode & 0o077 == 0  # only its owner may read it
    with LiveServer(Settings(store=demo.store, sparql_workers=1)) as live:
        client = httpx.Client(base_url=live.url, follow_redirects=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/anmelden").text)[1]
        signed_in = client.post("/anmelden", data={"token": token, "csrf": csrf, "next": "/import"})
        assert signed_in.status_code == 200 and "Demo" in signed_in.text and 'name="token"' not in signed_in.text
    # The same file beside a store of real data (no demo graph) signs in no one.
    real_graphs = {g: ts for g, ts in demo_graphs.items() if g != str(IRIS.graph("quelle/demo"))}
    real = stored(real_graphs, tmp_path / "real")
    login_file(real.store).write_bytes(login_file(demo.store).read_bytes())
    with LiveServer(Settings(store=real.store, sparql_workers=1)) as live:
        client = httpx.Client(base_url=live.url, follow_redirects=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/anmelden").text)[1]
        refused = client.post("/anmelden", data={"token": token, "csrf": csrf, "next": "/import"})
        assert refused.status_code == 401
        api = client.get("/api/graphs", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 401


def test_demo_prints_how_to_sign_in_with_the_start_page(tmp_path):
    store = tmp_path / "store"
    result = runner.invoke(app, ["demo", "--actors", "100", "--store", str(store), "--no-serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output and "Demo-Anmeldung" in result.output
    from bildungsnetz.demo.login import ensure_login

    assert ensure_login(store) in result.output  # the token printed is the one the store accepts
