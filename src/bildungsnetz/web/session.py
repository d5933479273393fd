"""Signed session cookies for the web login, and CSRF tokens for every form that changes something.

A session is ``base64(json).hmac`` with HMAC-SHA256 under ``Settings.session_secret``: roles, a pseudonymous
name and an expiry, never the token itself. CSRF tokens are the HMAC of a random per-browser value kept in its
own cookie (HttpOnly, SameSite=Strict): a form is accepted only when its hidden field matches that cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

__all__ = ["SESSION_COOKIE", "CSRF_COOKIE", "SESSION_SECONDS", "Session", "Signer"]

SESSION_COOKIE = "bn_session"
CSRF_COOKIE = "bn_csrf"
#: A login lasts one working day.
SESSION_SECONDS = 10 * 3600


@dataclass(frozen=True)
class Session:
    """A logged-in user: roles, the pseudonymous name used in PROV records, and when the login ends."""

    roles: frozenset[str]
    name: str
    expires: int


class Signer:
    """Sign and check session cookies and CSRF tokens with one secret.

    >>> s = Signer("a-secret")
    >>> cookie = s.dump(Session(frozenset({"intern"}), "token-ab", expires=int(time.time()) + 60))
    >>> sorted(s.load(cookie).roles)
    ['intern']
    >>> s.load(cookie[:-2] + "xx") is None, Signer("other").load(cookie) is None
    (True, True)
    >>> nonce = s.new_nonce()
    >>> s.check_csrf(nonce, s.csrf_token(nonce)), s.check_csrf(nonce, "forged"), s.check_csrf(None, "x")
    (True, False, False)
    """

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(("bildungsnetz-web:" + secret).encode("utf-8")).digest()

    def _mac(self, purpose: str, data: bytes) -> str:
        mac = hmac.new(self._key, purpose.encode("ascii") + b"\0" + data, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    def dump(self, session: Session) -> str:
        """The cookie value of ``session``."""
        body = json.dumps({"r": sorted(session.roles), "n": session.name, "e": session.expires}).encode()
        payload = base64.urlsafe_b64encode(body).decode("ascii").rstrip("=")
        return f"{payload}.{self._mac('session', payload.encode('ascii'))}"

    def load(self, cookie: str | None) -> Session | None:
        """The session in ``cookie``, or ``None`` when it is missing, forged, malformed or expired."""
        if not cookie or "." not in cookie or len(cookie) > 4096:
            return None
        payload, _, mac = cookie.rpartition(".")
        if not hmac.compare_digest(mac, self._mac("session", payload.encode("ascii", "replace"))):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            session = Session(frozenset(data["r"]), str(data["n"]), int(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > time.time() else None

    @staticmethod
    def new_nonce() -> str:
        """A fresh random value for the CSRF cookie."""
        return secrets.token_urlsafe(24)

    def csrf_token(self, nonce: str) -> str:
        """The hidden form field that belongs to the CSRF cookie ``nonce``."""
        return self._mac("csrf", nonce.encode("ascii", "replace"))

    def check_csrf(self, nonce: str | None, token: str | None) -> bool:
        """True when ``token`` was made for ``nonce`` (compared in constant time)."""
        if not nonce or not token:
            return False
        return hmac.compare_digest(self.csrf_token(nonce), token)
