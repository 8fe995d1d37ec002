"""checkout-mcp: BigCommerce checkout operations as MCP tools, behind a policy gate."""
