"""Settings from the environment (``BILDUNGSNETZ_*``), read once through :func:`get_settings`."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bildungsnetz.iris import DEFAULT_BASE

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Every setting of bildungsnetz. Each is documented in README.md (a test checks that)."""

    model_config = SettingsConfigDict(env_prefix="BILDUNGSNETZ_", env_file=None, extra="ignore")

    #: Directory of the embedded store.
    store: Path = Path("bildungsnetz-data")
    #: Seconds a writing command waits for the embedded store while another command holds it, then gives up
    #: with a message naming that process (docs/speicher.md).
    write_wait: float = 30.0
    #: Base of all instance IRIs.
    base_iri: str = DEFAULT_BASE
    #: City profile used when none is named (when unset and the store holds exactly one city: that one).
    city: str = "dortmund"
    #: Folder of city profiles added by ``bildungsnetz city add`` (default: ``staedte/`` beside the store).
    cities_dir: Path | None = None
    #: Folder of the sources' version history (snapshots before each import, drop and undo; default:
    #: ``versionen/`` beside the store), for the embedded and the remote store alike.
    versions_dir: Path | None = None
    #: The office's own precedence of sources (TOML, the form of the shipped ``ontology/rangfolge.toml``): which
    #: source's value the landscape shows where sources disagree. Empty: the shipped file.
    precedence_file: Path | None = None
    #: Versions kept per source; older ones (and their snapshots) are removed.
    versions_keep: int = 20
    #: SPARQL 1.1 query endpoint of a remote store; empty means the embedded store.
    endpoint: str | None = None
    #: SPARQL 1.1 update endpoint of the remote store (default: the query endpoint).
    update_endpoint: str | None = None
    #: Graph Store Protocol endpoint of the remote store, where the server has one.
    gsp_endpoint: str | None = None
    #: User and password for the remote store (HTTP digest or basic, as the server asks).
    endpoint_user: str | None = None
    endpoint_password: SecretStr | None = None
    #: Keep and read the landscape (one value per single-valued property) on the remote store too, as the embedded
    #: store does (docs/speicher.md). Off, the remote store reads the union of all graphs, each source's values
    #: side by side.
    endpoint_landscape: bool = True
    #: Timeout in seconds for every request to a remote store.
    endpoint_timeout: float = 30.0
    #: API bearer tokens, hashed: entries ``"ROLE[,ROLE]:sha256:HEX"`` (``bildungsnetz token hash`` makes one);
    #: roles are ``redaktion`` (imports, deleting graphs) and ``intern`` (contact persons).
    api_tokens: list[str] = []
    #: Seconds a ``/sparql`` query may run before its worker process is stopped (HTTP 503).
    query_timeout: float = 30.0
    #: Most rows (or triples) one ``/sparql`` answer or API page may hold; more is refused (HTTP 422).
    row_cap: int = 10_000
    #: Worker processes that run ``/sparql`` queries (each can be stopped on timeout).
    sparql_workers: int = 2
    #: ``/sparql`` queries one client (an address, an IPv6 /64, or a token) may have running or waiting at once;
    #: more are refused (HTTP 429 with Retry-After). Default: half the workers, at least 1.
    sparql_per_client: int | None = None
    #: ``/sparql`` queries that may wait for a busy worker, from all clients together; more are refused (HTTP 429).
    sparql_queue: int = 32
    #: Memory (MB) one ``/sparql`` worker may allocate; a query that needs more is stopped (HTTP 422) before it
    #: can starve the machine. 0: no limit.
    sparql_worker_memory_mb: int = 4096
    #: Keep a read copy of the embedded store in memory for the REST API (faster; costs memory).
    api_memory_copy: bool = True
    #: Results of named queries the API keeps per state of the (embedded) store; 0 turns the cache off.
    api_cache_size: int = 512
    #: Largest upload to ``POST /api/imports``, in megabytes.
    max_upload_mb: int = 50
    #: Limits for reading a spreadsheet (CSV or XLSX) to import; a file over one is refused with a message naming
    #: the limit, before it can fill the memory or hold the store's write lock for minutes (docs/import.md).
    #: Most bytes a workbook may unpack to (all its parts together), in megabytes, checked before it is opened.
    import_max_uncompressed_mb: int = 256
    #: Most cells one sheet may hand to the reader (rows times their width, blank cells included).
    import_max_cells: int = 20_000_000
    #: Most columns one sheet or CSV file may use (the widest table has far fewer).
    import_max_columns: int = 1000
    #: Most rows one sheet or CSV file may have.
    import_max_rows: int = 1_000_000
    #: Most characters one cell may hold (Excel's own limit is 32,767).
    import_max_cell_chars: int = 32_767
    #: CPU seconds the child process that reads an upload (API, web) may use before it is stopped.
    import_parse_cpu_seconds: int = 300
    #: Memory (MB) the child process that reads an upload (API, web) may allocate before it is stopped.
    import_parse_memory_mb: int = 2048
    #: The server's public address as respondents and users reach it (``https://bildung.stadt.de``): the survey's
    #: personal links are made on it (``survey new/invitations``, REST, the web download). Unset: the command line
    #: needs ``--url``; the server uses the address a request came to.
    public_url: str | None = None
    #: Secret that signs the web login cookie and CSRF tokens. Default: a random one per process, so logins
    #: end when the service restarts. Set it (for example to the output of
    #: ``python -c "import secrets; print(secrets.token_urlsafe())"``) to keep logins across restarts or to run
    #: several processes behind one address.
    session_secret: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_urlsafe(32)))
    #: Code of the indicator holding the number of children per area: need versus network divides offers by it
    #: ("Angebote je 1.000 Kinder"). Unset: that column stays empty and says why (never inhabitants instead).
    children_indicator: str | None = None


@cache
def get_settings() -> Settings:
    """The settings of this process (cached; tests build their own ``Settings``)."""
    return Settings()
