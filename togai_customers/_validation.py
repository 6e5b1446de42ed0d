"""Client-side validation of request models against the spec's limits (declared in ``_fields``).

The models checked here come from the strict converter (``_serde``), which has already checked
every type (and turned naive datetimes into UTC), so only the limits are left: lengths, patterns,
item counts, enums, and a request that needs at least one field.
"""

from __future__ import annotations

from typing import Any

import attrs

from ._exceptions import FieldError, RequestValidationError
from ._fields import Constraints, constraints_of, to_camel

__all__ = ["check", "nothing_to_change", "validate", "validate_document"]


def _check_value(value: Any, c: Constraints) -> str | None:
    if isinstance(value, str):
        if c.min_length is not None and len(value) < c.min_length:
            return f"must be at least {c.min_length} characters (got {len(value)})"
        if c.max_length is not None and len(value) > c.max_length:
            return f"must be at most {c.max_length} characters (got {len(value)})"
        if c.enum is not None and value not in c.enum:
            return f"must be one of {', '.join(c.enum)} (got {value!r:.60})"
        regex = c.regex
        if regex is not None and not regex.fullmatch(value):
            return f"does not match the pattern {c.pattern}"
    if isinstance(value, list) and c.max_items is not None and len(value) > c.max_items:
        return f"must have at most {c.max_items} items (got {len(value)})"
    return None


def _walk(obj: Any, py: str, wire: str, out: list[FieldError]) -> None:
    cls = type(obj)
    for a in attrs.fields(cls):
        value = getattr(obj, a.name)
        p = f"{py}.{a.name}" if py else a.name
        w = f"{wire}.{to_camel(a.name)}" if wire else to_camel(a.name)
        if value is None:  # left out (the converter has checked that required fields are there)
            continue
        problem = _check_value(value, constraints_of(a))
        if problem is not None:
            out.append(FieldError(p, w, problem))
            continue
        if attrs.has(type(value)):
            _walk(value, p, w, out)
        elif isinstance(value, list):
            _walk_items(value, a, p, w, out)


def _walk_items(
    items: list[Any], a: attrs.Attribute[Any], py: str, wire: str, out: list[FieldError]
) -> None:
    c = constraints_of(a)
    item_c = Constraints(min_length=c.item_min_length, max_length=c.item_max_length)
    for i, item in enumerate(items):
        p, w = f"{py}[{i}]", f"{wire}[{i}]"
        problem = _check_value(item, item_c)
        if problem is not None:
            out.append(FieldError(p, w, problem))
        elif attrs.has(type(item)):
            _walk(item, p, w, out)


def validate_document(data: Any, cls: type[Any], *, wire: bool) -> list[FieldError]:
    """The limits broken by a JSON document meant as ``cls`` that did not structure (a field
    missing or of the wrong type elsewhere): every value of the right type is still checked,
    so that one answer names every bad field. Keys are camelCase when ``wire``."""
    out: list[FieldError] = []
    _walk_document(data, cls, "", "", wire, out)
    return out


def _walk_document(
    data: Any, cls: type[Any], py: str, wire_path: str, wire: bool, out: list[FieldError]
) -> None:
    if not isinstance(data, dict) or not attrs.has(cls):
        return
    import typing

    hints = typing.get_type_hints(cls)
    for a in attrs.fields(cls):
        key = to_camel(a.name) if wire else a.name
        if key not in data:
            continue
        value = data[key]
        p = f"{py}.{a.name}" if py else a.name
        w = f"{wire_path}.{to_camel(a.name)}" if wire_path else to_camel(a.name)
        if isinstance(value, str | list):
            problem = _check_value(value, constraints_of(a))
            if problem is not None:
                out.append(FieldError(p, w, problem))
                continue
        nested = [t for t in typing.get_args(hints[a.name]) or (hints[a.name],) if attrs.has(t)]
        if nested and isinstance(value, dict):
            _walk_document(value, nested[0], p, w, wire, out)


def nothing_to_change(names: list[str]) -> str:
    """The message for a request that needs a field and has none (``names``: what it takes)."""
    return f"nothing to change: give at least one of {', '.join(names)}"


def validate(model: Any) -> list[FieldError]:
    """Every way ``model`` (from the converter) breaks the spec's limits: lengths, patterns,
    counts, enums, and a request that needs a field given none."""
    out: list[FieldError] = []
    cls = type(model)
    fields = attrs.fields(cls)
    if getattr(cls, "__requires_a_field__", False) and all(
        getattr(model, a.name) is None for a in fields
    ):
        out.append(FieldError("", "", nothing_to_change([a.name for a in fields])))
    _walk(model, "", "", out)
    return out


def check(model: Any, *, wire: bool = False) -> None:
    """Raise :class:`RequestValidationError` if ``model`` breaks the spec."""
    errors = validate(model)
    if errors:
        raise RequestValidationError(errors, wire=wire)
