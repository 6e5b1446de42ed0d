"""The built API reference documents every operation, under public names, with working links.

Reads a built site: ``$TOGAI_DOCS_SITE`` (the ``docs`` nox session builds ``site/`` and runs this
file against it), else builds one into a temporary directory (mkdocs must be installed). Marked
``docs``: the ``tests`` session, which has no mkdocs, leaves it to the ``docs`` session.
"""

from __future__ import annotations

import html
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

import togai_customers
from togai_customers import OPERATIONS, AsyncTogaiCustomers, TogaiCustomers

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parent.parent
OPERATION_NAMES = [op.name for op in OPERATIONS]
# What the reference documents the operations on: each client and its `with_raw_response`.
CLIENTS: dict[str, Any] = {
    "TogaiCustomers": TogaiCustomers,
    "AsyncTogaiCustomers": AsyncTogaiCustomers,
    "TogaiCustomers.with_raw_response": inspect.get_annotations(
        TogaiCustomers.with_raw_response.fget, eval_str=True
    )["return"],
    "AsyncTogaiCustomers.with_raw_response": inspect.get_annotations(
        AsyncTogaiCustomers.with_raw_response.fget, eval_str=True
    )["return"],
}
# A private module or member of our packages, e.g. togai_customers._models.Customer.
PRIVATE_PATH = re.compile(r"\btogai_customers\w*(?:\.[A-Za-z0-9]\w*)*\._(?!_)[\w.]*")
LITERAL_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|data|attr|exc|mod|obj|const):(?:`|<code>)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if given := os.environ.get("TOGAI_DOCS_SITE"):
        path = Path(given).resolve()
        assert (path / "objects.inv").is_file(), f"no built site at {path}"
        return path
    assert importlib.util.find_spec("mkdocs"), "mkdocs is not installed: run `nox -s docs`"
    path = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(path)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
        capture_output=True,
    )
    return path


@pytest.fixture(scope="module")
def inventory(site: Path) -> dict[str, tuple[str, str]]:
    """objects.inv as {name: (domain:role, uri)}: four header lines, then zlib-compressed rows."""
    header_lines = 4
    raw = (site / "objects.inv").read_bytes().split(b"\n", header_lines)
    assert raw[0] == b"# Sphinx inventory version 2"
    entries = {}
    for line in zlib.decompress(raw[header_lines]).decode().splitlines():
        name, role, _priority, uri, _dispname = re.fullmatch(
            r"(\S+) (\S+) (-?\d+) (\S*) (.*)", line
        ).groups()
        entries[name] = (role, uri.replace("$", name) if uri.endswith("$") else uri)
    return entries


@pytest.fixture(scope="module")
def api_html(site: Path) -> str:
    return (site / "api" / "index.html").read_text(encoding="utf-8")


def _section(page: str, anchor: str) -> str:
    """The rendered heading ``anchor`` and its content, up to the next object's heading."""
    start = page.index(f'id="{anchor}"')
    end = page.find('class="doc doc-heading"', start + len(anchor) + 30)
    return page[start : end if end != -1 else None]


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_operations_come_from_the_operation_table():
    assert len(OPERATION_NAMES) == 6
    assert len(set(OPERATION_NAMES)) == len(OPERATION_NAMES)


@pytest.mark.parametrize("operation", OPERATION_NAMES)
@pytest.mark.parametrize("client", CLIENTS)
def test_every_operation_is_documented(client, operation, inventory, api_html):
    """Each operation is a method of each client, with its parameters and its docstring."""
    path = f"togai_customers.{client}.{operation}"
    assert inventory.get(path, ("", ""))[0] == "py:method", f"{path} is not documented"
    section = _section(api_html, path)
    signature = _text(section.split("<p>", 1)[0])  # heading and signature: before the docstring
    cls = CLIENTS[client]
    method = getattr(
        object.__new__(cls), operation
    )  # bound, as users see it (no I/O: never called)
    for name in inspect.signature(method).parameters:
        if name != "self":
            assert re.search(rf"\b{name}\b", signature), f"{path}: no parameter {name!r}"
    summary = inspect.getdoc(method).split("\n\n")[0].replace("`", "")
    squeeze = re.compile(r"\s+")  # compared without whitespace: markup splits words differently
    assert squeeze.sub("", summary) in squeeze.sub("", _text(section)), f"{path}: no docstring"


def test_async_operations_are_marked_async(api_html):
    for client in ("AsyncTogaiCustomers", "AsyncTogaiCustomers.with_raw_response"):
        for operation in ["create_customer", "get_customer"]:
            heading = _section(api_html, f"togai_customers.{client}.{operation}")
            assert "doc-label-async" in heading, f"{client}.{operation} is not shown as async"


def test_every_public_name_is_documented(inventory):
    missing = [
        name
        for name in togai_customers.__all__
        if not name.startswith("__") and f"togai_customers.{name}" not in inventory
    ]
    assert not missing


def test_no_private_path_in_the_inventory(inventory):
    private = [
        f"{name} {uri}"
        for name, (_, uri) in inventory.items()
        if PRIVATE_PATH.search(f"{name} {uri}")
    ]
    assert not private, f"{len(private)} private entries, e.g. {private[:5]}"


def test_no_private_path_in_the_api_page(api_html):
    found = sorted({m.group(0) for m in PRIVATE_PATH.finditer(api_html)})
    assert not found, f"private paths shown: {found[:10]}"


def test_roles_are_not_literal_text(api_html):
    found = [api_html[m.start() - 60 : m.end() + 40] for m in LITERAL_ROLE.finditer(api_html)]
    assert not found, f"{len(found)} literal roles, e.g. {found[:3]}"


def test_roles_render_as_links(api_html):
    """``:meth:`close``` in TogaiCustomers' docstring links to TogaiCustomers.close."""
    methods = re.findall(r":meth:`~?\.?(\w+)`", TogaiCustomers.__doc__ or "")
    assert methods
    section = _section(api_html, "togai_customers.TogaiCustomers")
    for name in methods:
        assert f'href="#togai_customers.TogaiCustomers.{name}"' in section


def test_internal_links_resolve(api_html):
    ids = set(re.findall(r'id="([^"]+)"', api_html))
    broken = sorted({h for h in re.findall(r'href="#([^"]+)"', api_html) if h not in ids})
    assert not broken


def test_the_site_publishes_no_source_files(site: Path) -> None:
    """Only pages and their assets are published: not the docs' scripts, caches or tool configs."""
    published = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()]
    stray = [p for p in published if p.endswith((".py", ".pyc", ".toml")) or "__pycache__" in p]
    assert published
    assert stray == []
