"""mkdocs hooks (mkdocs.yml ``hooks:``).

The inventory (``objects.inv``) lists only public names: mkdocstrings also registers each object's
canonical path (``togai_customers._models.Customer``) and every import of it
(``togai_customers._calls.Customer``) as secondary entries. Those are implementation details;
intersphinx users link to ``togai_customers.Customer``.
"""

from __future__ import annotations

from typing import Any

from mkdocs.plugins import event_priority

PACKAGES = ("togai_customers", "togai_customers_server")


def _is_private(name: str) -> bool:
    package, _, rest = name.partition(".")
    return package in PACKAGES and any(
        part.startswith("_")
        and not (part.startswith("__") and part.endswith("__"))
        for part in rest.split(".")
    )


@event_priority(
    -10
)  # after every page is rendered, before mkdocstrings writes it (-20)
def on_env(env: Any, config: Any, files: Any) -> Any:
    plugin = config.plugins.get("mkdocstrings")
    if plugin is not None:
        inventory = plugin.handlers.inventory
        for name in [name for name in inventory if _is_private(name)]:
            del inventory[name]
    return env
