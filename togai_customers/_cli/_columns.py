"""Flat columns of a model: the CLI's options, CSV headers and table columns, derived from attrs.

A model's scalar attributes are columns named as the attribute (``primary_email``). A nested model
one level down is flattened too: the ``address`` attribute's fields keep their own names (``line1``,
``city``), any other's get its name as prefix (``account_id``, ``account_invoice_currency``).
Lists, mappings and deeper models are not columns of a request; on output they are one column
holding compact JSON.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from togai_customers.spec import Constraints, constraints_of, format_datetime

__all__ = ["Column", "columns", "flat_record", "nested_values", "parse_cell", "strip_optional"]

#: The attribute whose nested fields keep their bare names.
_UNPREFIXED = "address"
_SCALARS = (str, int, float, bool, datetime)


@attrs.frozen
class Column:
    """One flat column: its name, the attribute path it stands for and that attribute."""

    name: str
    path: tuple[str, ...]
    type: type[Any]  #: the scalar type, or ``object`` for a JSON column
    constraints: Constraints
    required: bool
    group: str | None  #: the nested attribute it comes from (``address``, ``account``), if any
    group_required: bool = False  #: whether that nested attribute is required

    @property
    def is_json(self) -> bool:
        return self.type is object

    @property
    def option(self) -> str:
        """The command-line spelling, ``--primary-email``."""
        return "--" + self.name.replace("_", "-")


def strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


_CACHE: dict[tuple[type[Any], bool], tuple[Column, ...]] = {}


def columns(cls: type[Any], *, with_json: bool = False) -> tuple[Column, ...]:
    """The flat columns of ``cls``; ``with_json`` adds the non-flat attributes as JSON columns."""
    found = _CACHE.get((cls, with_json))
    if found is None:
        found = _CACHE[cls, with_json] = tuple(_columns(cls, (), "", None, with_json, depth=0))
    return found


def _columns(
    cls: type[Any],
    path: tuple[str, ...],
    prefix: str,
    group: str | None,
    with_json: bool,
    depth: int,
    group_req: bool = False,
) -> list[Column]:
    hints = typing.get_type_hints(cls)
    out: list[Column] = []
    for a in attrs.fields(cls):
        tp = strip_optional(hints[a.name])
        required = a.default is attrs.NOTHING
        name = prefix + a.name
        if tp in _SCALARS:
            out.append(
                Column(name, (*path, a.name), tp, constraints_of(a), required, group, group_req)
            )
        elif isinstance(tp, type) and attrs.has(tp) and depth == 0:
            inner = "" if a.name == _UNPREFIXED else f"{a.name}_"
            out += _columns(tp, (*path, a.name), inner, a.name, with_json, depth + 1, required)
        elif with_json:
            out.append(
                Column(name, (*path, a.name), object, constraints_of(a), required, group, group_req)
            )
    return out


def parse_cell(column: Column, text: str) -> Any:
    """A CSV cell as the column's type (``ValueError`` naming the problem when it is not)."""
    if column.type is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"expected an integer, got {text!r:.40}") from None
    if column.type is float:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {text!r:.40}") from None
    if column.type is bool:
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise ValueError(f"expected true or false, got {text!r:.40}")
    if column.is_json:
        return json.loads(text)
    return text


def nested_values(cls: type[Any], flat: Mapping[str, Any]) -> dict[str, Any]:
    """snake_case keyword values for ``cls`` from flat column values (``None`` means not given).

    A nested model that is required (the customer's ``address``) is always present, possibly
    empty; an optional one only when one of its columns was given.
    """
    out: dict[str, Any] = {}
    for column in columns(cls):
        value = flat.get(column.name)
        if column.group is not None and column.group not in out:
            a = attrs.fields_dict(cls)[column.group]
            if a.default is attrs.NOTHING:
                out[column.group] = {}
        if value is None:
            if column.required and column.group is None:
                out[column.name] = None  # reported as "field required" by the SDK
            continue
        if column.group is None:
            out[column.name] = value
        else:
            out.setdefault(column.group, {})[column.path[-1]] = value
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if attrs.has(type(value)):
        return json.dumps(value.to_dict(), separators=(",", ":"))
    if isinstance(value, list | dict):
        return json.dumps(_json_value(value), separators=(",", ":"))
    return value


def _json_value(value: Any) -> Any:
    """A value of a model as JSON: models in their camelCase form, datetimes in ISO 8601."""
    if attrs.has(type(value)):
        return value.to_dict()
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return format_datetime(value) if isinstance(value, datetime) else value


def flat_record(model: Any) -> dict[str, Any]:
    """Column name -> display value (str/int/bool/None) of a model, JSON for non-flat values."""
    out: dict[str, Any] = {}
    for column in columns(type(model), with_json=True):
        value: Any = model
        for step in column.path:
            value = None if value is None else getattr(value, step)
        out[column.name] = _cell(value)
    return out
