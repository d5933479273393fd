"""Bearer tokens of the API: stored as hashes in the settings, compared in constant time, each with roles."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from bildungsnetz.errors import AuthError, UsageError

__all__ = [
    "ROLES",
    "Principal",
    "ANONYMOUS",
    "TokenTable",
    "hash_token",
    "new_token",
    "settings_value",
    "check_name",
    "AuthError",
]

#: Roles a token may carry: ``redaktion`` may import and delete graphs, ``intern`` may read contact persons.
ROLES = ("redaktion", "intern")
_ENTRY = re.compile(r"^(?P<roles>[a-z]+(?:,[a-z]+)*):sha256:(?P<hex>[0-9a-f]{64})(?::(?P<name>[^:]{1,80}))?$")
#: A person's name in an entry: letters (umlauts too), digits, blanks, ``.``, ``-``, ``_``; 1 to 80.
_NAME = re.compile(r"^[\w][\w .-]{0,79}$")


@dataclass(frozen=True)
class Principal:
    """Who is asking: the roles of the presented token (none for anonymous requests)."""

    roles: frozenset[str] = frozenset()
    #: Who this is in PROV records: the person's name of the entry, else a pseudonym ("token-<first hex of its
    #: hash>"); never the token itself.
    name: str = "anonym"

    @property
    def intern(self) -> bool:
        """May see contact persons and the private graphs."""
        return "intern" in self.roles

    def require(self, role: str) -> None:
        """Raise :class:`AuthError` unless this principal has ``role``.

        >>> Principal(frozenset({"redaktion"})).require("redaktion")
        >>> try:
        ...     ANONYMOUS.require("redaktion")
        ... except AuthError as error:
        ...     print(error.http_status)
        401
        """
        if role in self.roles:
            return
        if not self.roles:
            raise AuthError(
                f"Anmeldung nötig: Bearer-Token mit Rolle »{role}« / authentication required: "
                "a bearer token "
                f"with role {role!r}"
            )
        raise AuthError(
            f"Dieses Token hat nicht die Rolle »{role}« / this token does not have the role {role!r}",
            status=403,
        )


ANONYMOUS = Principal()


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe) to hand to a user; only its hash goes into the settings."""
    return secrets.token_urlsafe(32)


def check_name(name: str) -> str:
    """A person's name for a token entry, stripped; :class:`UsageError` when it is empty, too long or holds ``:``.

    >>> check_name(" Anna Müller ")
    'Anna Müller'
    """
    name = " ".join(str(name or "").split())
    if not _NAME.match(name):
        raise UsageError(
            f"Name »{name}«: 1 bis 80 Zeichen, Buchstaben, Ziffern, Leerzeichen, . - _ (kein »:«) / name: 1 to 80 "
            "letters, digits, blanks, . - _ (no ':')"
        )
    return name


def hash_token(token: str, *, roles: Iterable[str] = ("redaktion",), name: str | None = None) -> str:
    """The settings entry for ``token``: ``"ROLES:sha256:HEX"``, or ``"ROLES:sha256:HEX:NAME"`` for a person.

    With ``name`` the person's name is what PROV records (who imported, who decided), not a token pseudonym.

    Tokens are 256-bit random strings (:func:`new_token`), so one SHA-256 is enough to keep them safe at rest:
    a slow password hash protects guessable passwords, and would cost every request tens of milliseconds.

    >>> hash_token("geheim-geheim-geheim", roles=["redaktion", "intern"])[:30]
    'intern,redaktion:sha256:d37f9d'
    """
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        raise UsageError(
            f"Unbekannte Rolle {unknown or '–'}; erlaubt: {', '.join(ROLES)} / unknown role; allowed: "
            f"{', '.join(ROLES)}"
        )
    if not token or len(token) < 16:
        raise UsageError("Token zu kurz (mindestens 16 Zeichen) / token too short (at least 16 characters)")
    entry = f"{','.join(roles)}:sha256:{hashlib.sha256(token.encode('utf-8')).hexdigest()}"
    return f"{entry}:{check_name(name)}" if name is not None else entry


def settings_value(entries: Iterable[str]) -> str:
    """The value of ``BILDUNGSNETZ_API_TOKENS`` holding ``entries``: a JSON list, ready to paste.

    >>> settings_value(["intern:sha256:ab"])
    '["intern:sha256:ab"]'
    """
    return json.dumps(list(entries), ensure_ascii=False)


class TokenTable:
    """The configured tokens (``Settings.api_tokens``), checked against a presented bearer token.

    >>> table = TokenTable([hash_token("a-long-enough-token", roles=["intern"])])
    >>> sorted(table.roles("a-long-enough-token")), table.roles("wrong-token-of-some-length")
    (['intern'], None)
    """

    def __init__(self, entries: Iterable[str]) -> None:
        self._entries: list[tuple[bytes, frozenset[str], str]] = []
        for number, entry in enumerate(entries, start=1):
            m = _ENTRY.match(entry.strip())
            roles = frozenset(m["roles"].split(",")) if m else frozenset()
            if not m or not roles <= set(ROLES) or (m["name"] is not None and not _NAME.match(m["name"])):
                raise UsageError(
                    f"BILDUNGSNETZ_API_TOKENS, Eintrag {number}: erwartet »ROLLE[,ROLLE]:sha256:HEX[:NAME]« "
                    "mit Rollen aus "
                    f"{', '.join(ROLES)} / entry {number}: expected 'ROLE[,ROLE]:sha256:HEX[:NAME]' with roles from "
                    f"{', '.join(ROLES)} (bildungsnetz token new)"
                )
            self._entries.append((bytes.fromhex(m["hex"]), roles, m["name"] or f"token-{m['hex'][:10]}"))

    def __len__(self) -> int:
        return len(self._entries)

    def roles(self, token: str) -> frozenset[str] | None:
        """The roles of ``token``, or ``None`` when no entry matches.

        Every entry is compared, with :func:`hmac.compare_digest`, so the time taken does not tell which entry
        (or how much of one) matched.
        """
        who = self.principal(token)
        return who.roles if who is not None else None

    def principal(self, token: str) -> Principal | None:
        """Who presents ``token``: its roles and the person's name of its entry; ``None`` when no entry matches.

        >>> table = TokenTable([hash_token("a-long-enough-token", roles=["redaktion"], name="Anna Müller")])
        >>> table.principal("a-long-enough-token").name
        'Anna Müller'
        """
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        found: frozenset[str] | None = None
        name = ""
        for stored, roles, who in self._entries:
            if hmac.compare_digest(stored, digest):
                found = roles if found is None else found | roles
                name = name or who
        return Principal(found, name=name) if found is not None else None

    def add(self, entry: str) -> None:
        """Accept one more entry (the demo login of a demo store)."""
        self._entries += TokenTable([entry])._entries
