"""Servers for the Togai Customers API: REST adapter, MCP server and the local sandbox.

Install with ``pip install 'togai-customers[server]'``. :class:`ServeOptions` configures them
(``create_rest_app``, ``create_mcp_app``, ``togai-customers serve``).
"""

from ._settings import ServeOptions

__all__ = ["ServeOptions"]
