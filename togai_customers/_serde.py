"""One place for JSON <-> model conversion (cattrs).

Wire names are camelCase (``primaryEmail``), Python names snake_case (``primary_email``), derived
with :func:`to_camel` from the attribute names. ``None`` is omitted on the way out. Datetimes go out
as ISO 8601 with ``Z`` for UTC. Primitive types are checked, not coerced (``5`` is not a name).

Three converters come from one factory:

* responses (:func:`structure`): unknown keys ignored, so a newer API does not break us;
* wire requests (:func:`parse_request`, used by the sandbox and the REST adapter): camelCase keys,
  unknown keys rejected, errors named in camelCase;
* Python mappings (:func:`from_python`, used by the SDK for ``address={"line1": ...}``):
  snake_case keys, unknown keys rejected, errors named in snake_case.

Structuring errors become :class:`RequestValidationError` with one :class:`FieldError` per problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.cols import is_mapping, is_sequence, list_structure_factory, mapping_structure_factory
from cattrs.errors import ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._exceptions import FieldError, FieldProblem, RequestValidationError
from ._fields import format_datetime, to_camel

__all__ = [
    "format_datetime",
    "from_python",
    "parse_request",
    "structure",
    "unstructure",
]

T = TypeVar("T")

_JSON_TYPE = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    type(None): "null",
}


def _json_type(value: Any) -> str:
    return _JSON_TYPE.get(type(value), type(value).__name__)


class _Mismatch(TypeError):
    """A value of the wrong JSON type; the message is shown to users as is."""

    def __init__(self, expected: str, value: Any, detail: str | None = None) -> None:
        super().__init__(f"expected {expected}, got {detail or _json_type(value)}")
        self.expected = expected


def _expect(value: Any, kind: type[Any], name: str) -> None:
    # bool is an int in Python, but not in JSON.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise _Mismatch(name, value)


def _structure_str(value: Any, _: Any) -> str:
    _expect(value, str, "a string")
    return str(value)


def _structure_int(value: Any, _: Any) -> int:
    _expect(value, int, "an integer")
    return int(value)


def _structure_float(value: Any, _: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Mismatch("a number", value)
    return float(value)


def _structure_bool(value: Any, _: Any) -> bool:
    _expect(value, bool, "a boolean")
    return bool(value)


def _structure_datetime(value: Any, _: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        _expect(value, str, "an ISO 8601 date-time string")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise _Mismatch("an ISO 8601 date-time", value, f"{value!r:.60}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _renames(cls: type[Any], wire: bool) -> dict[str, Any]:
    return {
        a.name: override(rename=to_camel(a.name) if wire else a.name) for a in attrs.fields(cls)
    }


def _make_converter(*, wire: bool, forbid_extra_keys: bool) -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=forbid_extra_keys, detailed_validation=True)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, format_datetime)

    @conv.register_structure_hook_factory(is_sequence)
    def _list_factory(tp: Any) -> Callable[[Any, Any], Any]:
        base = list_structure_factory(tp, conv)

        def hook(value: Any, t: Any) -> Any:
            _expect(value, list, "an array")
            return base(value, t)

        return hook

    @conv.register_structure_hook_factory(is_mapping)
    def _mapping_factory(tp: Any) -> Callable[[Any, Any], Any]:
        base = mapping_structure_factory(tp, conv)

        def hook(value: Any, t: Any) -> Any:
            _expect(value, dict, "an object")
            return base(value, t)

        return hook

    @conv.register_structure_hook_factory(attrs.has)
    def _structure_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
        base = make_dict_structure_fn(
            cls, conv, _cattrs_forbid_extra_keys=forbid_extra_keys, **_renames(cls, wire)
        )

        def hook(value: Any, t: Any) -> Any:
            _expect(value, dict, "an object")
            return base(value, t)

        return hook

    @conv.register_unstructure_hook_factory(attrs.has)
    def _unstructure_factory(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
        overrides = _renames(cls, wire)
        for a in attrs.fields(cls):
            # Omit absent (None) values, but keep e.g. an empty ``data`` list.
            if isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                overrides[a.name] = override(rename=overrides[a.name].rename, omit_if_default=False)
        return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **overrides)

    return conv


_RESPONSES = _make_converter(wire=True, forbid_extra_keys=False)
_WIRE_REQUESTS = _make_converter(wire=True, forbid_extra_keys=True)
_PY_REQUESTS = _make_converter(wire=False, forbid_extra_keys=True)


def structure(data: Any, cls: type[T]) -> T:
    """Build ``cls`` from its camelCase JSON form (unknown keys ignored)."""
    try:
        return _RESPONSES.structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
        raise RequestValidationError(_field_errors(exc, cls, ()), wire=True) from None


def unstructure(obj: Any) -> Any:
    """Return the camelCase JSON form of a model (or list of models)."""
    return _RESPONSES.unstructure(obj)


def parse_request(data: Any, cls: type[T]) -> T:
    """Build a request model from a JSON body, strictly; errors name camelCase fields.

    Raises :class:`RequestValidationError` for a non-object body, missing or unknown fields,
    wrong types and explicit ``null`` values (the spec has no nullable field: leave it out).
    Does not check the spec's limits (see ``_validation.validate``).
    """
    nulls = list(_nulls(data, ()))
    if nulls:
        message = "must not be null (leave the field out instead)"
        errors = [FieldError(*_join(p), message, FieldProblem.TYPE) for p in nulls]
        raise RequestValidationError(errors, wire=True)
    return _strict(_WIRE_REQUESTS, data, cls, wire=True)


def _nulls(value: Any, path: tuple[str, ...]) -> Any:
    """Paths of the ``null`` values inside a JSON document (keys as written)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if item is None:
                yield (*path, str(key))
            else:
                yield from _nulls(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if item is None:
                yield (*path, f"[{index}]")
            else:
                yield from _nulls(item, (*path, f"[{index}]"))


def from_python(data: Mapping[str, Any], cls: type[T]) -> T:
    """Build a request model from snake_case keyword values (SDK arguments).

    Values may be models or plain mappings/lists at any depth; errors name snake_case fields.
    """
    return _strict(_PY_REQUESTS, _plain(data), cls, wire=False)


def _plain(value: Any) -> Any:
    """Models -> snake_case dicts, recursively, so one strict structuring pass sees everything."""
    if attrs.has(type(value)):
        return _PY_REQUESTS.unstructure(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _strict(conv: cattrs.Converter, data: Any, cls: type[T], *, wire: bool) -> T:
    if not isinstance(data, Mapping):
        message = f"expected a JSON object, got {_json_type(data)}"
        raise RequestValidationError(
            [FieldError("", "", message, FieldProblem.TYPE, "an object")], wire=wire
        )
    try:
        return conv.structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
        errors = _field_errors(exc, cls, ())
    from ._validation import validate_document

    # The values that did structure may break limits too: one answer names every bad field.
    seen = {e.field for e in errors}
    errors += [e for e in validate_document(data, cls, wire=wire) if e.field not in seen]
    raise RequestValidationError(errors, wire=wire)


def _join(path: tuple[str, ...]) -> tuple[str, str]:
    """Render a path of Python segments both ways (``a.b[0]`` and camelCase)."""
    py, wire = "", ""
    for seg in path:
        if seg.startswith("["):
            py, wire = py + seg, wire + seg
        else:
            py = f"{py}.{seg}" if py else seg
            cam = to_camel(seg)
            wire = f"{wire}.{cam}" if wire else cam
    return py, wire


def _field_errors(exc: BaseException, cls: Any, path: tuple[str, ...]) -> list[FieldError]:
    """Flatten a cattrs error tree into field errors with paths."""
    out: list[FieldError] = []
    if isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            py, wire = _join(path)
            out.append(
                FieldError(
                    f"{py}.{key}" if py else key,
                    f"{wire}.{key}" if wire else key,
                    "unknown field",
                    FieldProblem.UNKNOWN,
                )
            )
        return out
    if isinstance(exc, IterableValidationError):
        items, rest = exc.group_exceptions()
        for sub, item in items:
            index = f"[{item.index!r}]" if isinstance(item.index, str) else f"[{item.index}]"
            out += _field_errors(sub, None, (*path, index))
        for sub in rest:
            out += _field_errors(sub, None, path)
        return out
    if isinstance(exc, cattrs.ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            out += _field_errors(sub, None, (*path, note.name))
        for sub in without:
            out += _field_errors(sub, None, path)
        return out
    if isinstance(exc, ExceptionGroup):
        for sub in exc.exceptions:
            out += _field_errors(sub, None, path)
        return out
    py, wire = _join(path)
    if isinstance(exc, KeyError):
        out.append(FieldError(py, wire, "field required", FieldProblem.REQUIRED))
    elif isinstance(exc, _Mismatch):
        out.append(FieldError(py, wire, str(exc), FieldProblem.TYPE, exc.expected))
    elif isinstance(exc, ValueError) and exc.args:
        out.append(FieldError(py, wire, str(exc.args[0])))
    else:
        out.append(FieldError(py, wire, "invalid value"))
    return out
