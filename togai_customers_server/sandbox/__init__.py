"""The sandbox: a stateful local emulator of the upstream Togai Customers API (in progress)."""

__all__: list[str] = []
