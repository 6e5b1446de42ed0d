"""The operation table and the models' metadata: what every surface is built from.

The SDK's clients, the CLI, the REST adapter, the MCP server and the sandbox all read the same
rows (:data:`OPERATIONS`): a row (:class:`Operation`) names its method, paths, parameters with
their limits (:class:`Param`), request and response models, paging (:class:`Paging`), the seed's
hints, the retry and lost-answer policy (:class:`LostAnswer`) and the prose an agent reads. A row
is also the way in: :meth:`Operation.build` (SDK arguments), :meth:`Operation.from_wire` (an HTTP
request) and :meth:`Operation.from_arguments` (an MCP tool's arguments) each give a checked
:class:`Call`, which a client sends with ``client.send(call)``.

The models' fields carry their limits and descriptions (:class:`Constraints`, read with
:func:`constraints_of`), from which :func:`json_schema` derives the published schemas; see
``docs/architecture.md`` for how the pieces fit.

This module is public and stable within a major version; the ``togai_customers._*`` modules are
not, and nothing outside the SDK's core imports them.
"""

from ._fields import Constraints, constraints_of, field, format_datetime, to_camel
from ._models import Model
from ._operations import (
    CREATE_CUSTOMER,
    CREATE_CUSTOMER_CONTACT,
    DELETE_CUSTOMER,
    GET_CUSTOMER,
    LIST_CUSTOMERS,
    OPERATIONS,
    READ_METHODS,
    UPDATE_CUSTOMER,
    Call,
    LostAnswer,
    Operation,
    Paging,
    Param,
    missing_rows,
)
from ._schema import json_schema
from ._validation import nothing_to_change

__all__ = [
    "CREATE_CUSTOMER",
    "CREATE_CUSTOMER_CONTACT",
    "DELETE_CUSTOMER",
    "GET_CUSTOMER",
    "LIST_CUSTOMERS",
    "OPERATIONS",
    "READ_METHODS",
    "UPDATE_CUSTOMER",
    "Call",
    "Constraints",
    "LostAnswer",
    "Model",
    "Operation",
    "Paging",
    "Param",
    "constraints_of",
    "field",
    "format_datetime",
    "json_schema",
    "missing_rows",
    "nothing_to_change",
    "to_camel",
]
