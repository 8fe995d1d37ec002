from checkout_mcp.prompts.checkout import checkout_prompts

__all__ = ["checkout_prompts"]
