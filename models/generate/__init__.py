"""Text generation with causal language models, streamed token by token."""
