"""MCP server for the Togai Customers API: one tool per operation, streamable HTTP and stdio.

Note: this package is ``togai_customers_server.mcp``; ``import mcp`` elsewhere still means the
MCP SDK (imports are absolute).
"""

from ._server import (
    INSTRUCTIONS,
    MCP_PATH,
    McpHttpApp,
    create_mcp_app,
    create_mcp_server,
    instructions,
    run_stdio,
)

__all__ = [
    "INSTRUCTIONS",
    "MCP_PATH",
    "McpHttpApp",
    "create_mcp_app",
    "create_mcp_server",
    "instructions",
    "run_stdio",
]
