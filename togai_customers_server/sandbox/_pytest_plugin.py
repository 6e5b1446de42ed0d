"""pytest fixtures for testing code that uses togai_customers against the sandbox (in progress)."""
