"""Where tests/api/test_lifecycle.py still finds `make_state`: the factories are in
tests/factories.py, and this module can go once that test imports it from there."""

from __future__ import annotations

from tests.factories import make_state

__all__ = ["make_state"]
