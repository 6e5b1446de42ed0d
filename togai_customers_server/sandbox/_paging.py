"""Opaque, tamper-proof page tokens.

A token carries the ``seq`` of the last customer served and the page size, signed with HMAC-SHA256
under the store's secret. Paging by "customers after seq N" (rather than an offset) keeps pages
correct when customers are created or deleted between requests: new customers sort last, and a
deleted one simply no longer appears.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

__all__ = ["InvalidToken", "PageTokens"]

_MAX_TOKEN_LENGTH = 200
_SIG_BYTES = 16


class InvalidToken(ValueError):
    """The token was not issued by this sandbox, or was altered."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PageTokens:
    """Encode and verify page tokens with one secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:_SIG_BYTES]

    def encode(self, last_seq: int, page_size: int) -> str:
        payload = f"{last_seq}:{page_size}".encode("ascii")
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def decode(self, token: str) -> tuple[int, int]:
        """Return ``(last_seq, page_size)``; :class:`InvalidToken` for anything we did not issue."""
        if len(token) > _MAX_TOKEN_LENGTH or token.count(".") != 1:
            raise InvalidToken(token)
        head, sig = token.split(".")
        try:
            payload, given = _unb64(head), _unb64(sig)
        except (binascii.Error, ValueError):
            raise InvalidToken(token) from None
        if not hmac.compare_digest(given, self._sign(payload)):
            raise InvalidToken(token)
        seq, _, size = payload.decode("ascii").partition(":")
        return int(seq), int(size)
