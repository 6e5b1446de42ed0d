"""Servers for the Togai Customers API: REST adapter, MCP server and the local sandbox.

Install with ``pip install 'togai-customers[server]'``. :class:`ServeOptions` configures them
(``create_rest_app``, ``create_mcp_app``, ``togai-customers serve``);
:func:`audit_fingerprint` is how the audit trail names a server token or a forwarded key.
"""

from ._audit import fingerprint as audit_fingerprint
from ._settings import ServeOptions

__all__ = ["ServeOptions", "audit_fingerprint"]
