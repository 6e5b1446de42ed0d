"""Field constraints: declared once on the models, read by validation and by JSON Schema.

Each model attribute is declared with :func:`field`, which stores the upstream spec's limits
(lengths, patterns, item counts, enums) and a description in the attribute's metadata. The same
metadata drives client-side request validation (:func:`togai_customers._validation.validate`) and
the JSON Schemas served by the REST adapter and the MCP tools, so a limit is written in one place.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any

import attrs

__all__ = ["Constraints", "constraints_of", "field", "format_datetime", "to_camel"]

_KEY = "togai"


@attrs.frozen(kw_only=True)
class Constraints:
    """Limits and documentation of one model attribute."""

    description: str = ""
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    max_items: int | None = None
    enum: tuple[str, ...] | None = None
    item_min_length: int | None = None
    item_max_length: int | None = None
    example: Any = None
    #: The value is a secret (a password): never shown in reprs or logs.
    secret: bool = False
    #: The API replaces the stored value as a whole (an update's ``address``): a partial value
    #: drops the parts left out, so the CLI merges the given parts into the stored value.
    whole: bool = False

    @property
    def regex(self) -> re.Pattern[str] | None:
        return None if self.pattern is None else _compile(self.pattern)


# JSON Schema patterns use the ECMAScript dialect, whose \s is not Python's (Python counts
# \x1c-\x1f and \x85 as whitespace, ECMAScript counts \ufeff): spell the ECMAScript set out so that
# what the published schema allows is exactly what the validator accepts.
_ECMA_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


@functools.cache
def _compile(pattern: str) -> re.Pattern[str]:
    translated = pattern.replace(r"\S", f"[^{_ECMA_SPACE}]").replace(r"\s", f"[{_ECMA_SPACE}]")
    return re.compile(translated)


def field(
    *,
    description: str = "",
    default: Any = attrs.NOTHING,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: str | None = None,
    max_items: int | None = None,
    enum: tuple[str, ...] | None = None,
    item_min_length: int | None = None,
    item_max_length: int | None = None,
    example: Any = None,
    secret: bool = False,
    whole: bool = False,
) -> Any:
    """Declare an attrs attribute together with its spec constraints."""
    meta = Constraints(
        description=description,
        min_length=min_length,
        max_length=max_length,
        pattern=pattern,
        max_items=max_items,
        enum=enum,
        item_min_length=item_min_length,
        item_max_length=item_max_length,
        example=example,
        secret=secret,
        whole=whole,
    )
    return attrs.field(default=default, metadata={_KEY: meta}, repr=not secret)


_EMPTY = Constraints()


def constraints_of(attribute: attrs.Attribute[Any]) -> Constraints:
    """Return the constraints declared for ``attribute`` (empty when none were)."""
    meta = attribute.metadata.get(_KEY)
    return meta if isinstance(meta, Constraints) else _EMPTY


def to_camel(name: str) -> str:
    """``primary_email`` -> ``primaryEmail`` (the wire spelling of a Python attribute)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def format_datetime(value: datetime) -> str:
    """A datetime as the wire spells it: ISO 8601, with ``Z`` for UTC (``2024-01-02T03:04:05Z``);
    a naive one is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
