"""Servers for the Togai Customers API: REST adapter, MCP server and the local sandbox.

Install with ``pip install 'togai-customers[server]'``.
"""

__all__: list[str] = []
