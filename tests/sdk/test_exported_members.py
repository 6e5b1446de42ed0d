"""The public door: every public name exported, sorted, and enough for the public signatures."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import attrs

import togai_customers


def _isort_key(name: str) -> tuple[int, str]:
    """RUF022's order: CONSTANTS, then Classes, then the rest."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def test_all_lists_every_public_name_in_order():
    """__all__ is exactly the public names the package defines or imports, sorted."""
    # dir(): the names are imported on first use (PEP 562), so vars() holds only those used.
    public = [
        name
        for name in dir(togai_customers)
        if not name.startswith("_") and not isinstance(getattr(togai_customers, name), ModuleType)
    ]
    expected = sorted([*public, "__version__"], key=_isort_key)
    assert togai_customers.__all__ == expected
    for name in expected:
        assert getattr(togai_customers, name) is not None


def _annotations_of(obj: Any) -> Iterator[Any]:
    """Every annotation of a public signature: functions, methods, properties, attrs fields."""
    if isinstance(obj, type):
        if attrs.has(obj):
            yield from typing.get_type_hints(obj).values()
        for name, member in inspect.getmembers(obj):
            if name.startswith("_") and name not in ("__init__",):
                continue
            if isinstance(member, property) and member.fget is not None:
                yield typing.get_type_hints(member.fget).get("return")
            elif callable(member) and not isinstance(member, type):
                yield from _annotations_of(member)
        return
    try:
        hints = typing.get_type_hints(obj)
    except (TypeError, NameError):
        return
    yield from hints.values()


def _our_classes(annotation: Any) -> Iterator[type]:
    """The classes of this package an annotation mentions, at any depth."""
    if isinstance(annotation, type) and annotation.__module__.startswith("togai_customers"):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _our_classes(arg)


def test_public_signatures_use_only_exported_types():
    """Every type a public signature mentions can be imported from togai_customers."""
    exported = {id(getattr(togai_customers, n)) for n in togai_customers.__all__}
    missing = set()
    for name in togai_customers.__all__:
        for annotation in _annotations_of(getattr(togai_customers, name)):
            for cls in _our_classes(annotation):
                if id(cls) not in exported:
                    missing.add(f"{cls.__module__}.{cls.__qualname__} (used by {name})")
    assert not missing, sorted(missing)


def test_client_aliases():
    """Client is TogaiCustomers and AsyncClient is AsyncTogaiCustomers."""
    assert togai_customers.Client is togai_customers.TogaiCustomers
    assert togai_customers.AsyncClient is togai_customers.AsyncTogaiCustomers


def test_import_does_not_pull_in_cli_or_server_stacks():
    """`import togai_customers` imports neither typer, litestar, mcp nor the server package."""
    code = (
        "import sys, togai_customers; "
        "print(sorted(m for m in ('typer', 'litestar', 'mcp', 'uvicorn', 'togai_customers_server',"
        " 'togai_customers._cli') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_operation_table_matches_the_seed():
    """Six operations with the seed's ids, tool names, REST paths and hints."""
    rows = [
        (
            o.name,
            o.method,
            o.path,
            o.rest_path,
            o.operation_id,
            o.tool_name,
            o.read_only,
            o.idempotent,
            o.destructive,
            o.success_status,
        )
        for o in togai_customers.OPERATIONS
    ]
    assert rows == [
        (
            "create_customer",
            "POST",
            "/customers",
            "/v1/customers",
            "createcustomer",
            "create-customer",
            False,
            False,
            False,
            201,
        ),
        (
            "list_customers",
            "GET",
            "/customers",
            "/v1/customers",
            "getcustomers",
            "list-customers",
            True,
            True,
            False,
            200,
        ),
        (
            "get_customer",
            "GET",
            "/customers/{customer_id}",
            "/v1/customers/{customer-id}",
            "getcustomer",
            "get-customer",
            True,
            True,
            False,
            200,
        ),
        (
            "update_customer",
            "PATCH",
            "/customers/{customer_id}",
            "/v1/customers/{customer-id}",
            "updatecustomer",
            "update-customer",
            False,
            True,
            False,
            200,
        ),
        (
            "delete_customer",
            "DELETE",
            "/customers/{customer_id}",
            "/v1/customers/{customer-id}",
            "deletecustomer",
            "delete-customer",
            False,
            True,
            True,
            200,
        ),
        (
            "create_customer_contact",
            "POST",
            "/customers/{customer_id}/contacts",
            "/v1/customers/{customer-id}/contacts",
            "createcustomercontact",
            "create-contact-customer",
            False,
            False,
            False,
            201,
        ),
    ]
