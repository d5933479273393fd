"""Bearer tokens of the API: stored as hashes in the settings, compared in constant time, each with roles."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from bildungsnetz.errors import AuthError, UsageError

__all__ = ["ROLES", "Principal", "ANONYMOUS", "TokenTable", "hash_token", "new_token", "AuthError"]

#: Roles a token may carry: ``redaktion`` may import and delete graphs, ``intern`` may read contact persons.
ROLES = ("redaktion", "intern")
_ENTRY = re.compile(r"^(?P<roles>[a-z]+(?:,[a-z]+)*):sha256:(?P<hex>[0-9a-f]{64})$")


@dataclass(frozen=True)
class Principal:
    """Who is asking: the roles of the presented token (none for anonymous requests)."""

    roles: frozenset[str] = frozenset()
    #: A pseudonymous name for PROV records ("token-<first hex of its hash>"); never the token itself.
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


def hash_token(token: str, *, roles: Iterable[str] = ("redaktion",)) -> str:
    """The settings entry for ``token``: ``"ROLES:sha256:HEX"``.

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
    return f"{','.join(roles)}:sha256:{hashlib.sha256(token.encode('utf-8')).hexdigest()}"


class TokenTable:
    """The configured tokens (``Settings.api_tokens``), checked against a presented bearer token.

    >>> table = TokenTable([hash_token("a-long-enough-token", roles=["intern"])])
    >>> sorted(table.roles("a-long-enough-token")), table.roles("wrong-token-of-some-length")
    (['intern'], None)
    """

    def __init__(self, entries: Iterable[str]) -> None:
        self._entries: list[tuple[bytes, frozenset[str]]] = []
        for number, entry in enumerate(entries, start=1):
            m = _ENTRY.match(entry.strip())
            roles = frozenset(m["roles"].split(",")) if m else frozenset()
            if not m or not roles <= set(ROLES):
                raise UsageError(
                    f"BILDUNGSNETZ_API_TOKENS, Eintrag {number}: erwartet »ROLLE[,ROLLE]:sha256:HEX« "
                    "mit Rollen aus "
                    f"{', '.join(ROLES)} / entry {number}: expected 'ROLE[,ROLE]:sha256:HEX' with roles from "
                    f"{', '.join(ROLES)} (bildungsnetz token hash)"
                )
            self._entries.append((bytes.fromhex(m["hex"]), roles))

    def __len__(self) -> int:
        return len(self._entries)

    def roles(self, token: str) -> frozenset[str] | None:
        """The roles of ``token``, or ``None`` when no entry matches.

        Every entry is compared, with :func:`hmac.compare_digest`, so the time taken does not tell which entry
        (or how much of one) matched.
        """
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        found: frozenset[str] | None = None
        for stored, roles in self._entries:
            if hmac.compare_digest(stored, digest):
                found = roles if found is None else found | roles
        return found
