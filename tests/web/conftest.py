"""The web tests' store: every backend, as the store suite runs them."""

from tests.store.conftest import store

__all__ = ["store"]
