"""The policies production uses, built from the settings; a test changes a value with ``changes``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from extractors.fetch import FetchPolicy
from extractors.politeness import PolitenessPolicy
from flows.cadence import CadencePolicy
from flows.settings import Settings
from warehouse.state import BackoffPolicy

LOCAL = frozenset({"127.0.0.1"})


def fetch_policy(allow_hosts: frozenset[str] = LOCAL, **changes: Any) -> FetchPolicy:
    """``Settings().fetch_policy(allow_hosts)`` (the fixture servers' 127.0.0.1 by default), with ``changes``."""
    return replace(Settings().fetch_policy(allow_hosts), **changes)


def politeness_policy(**changes: Any) -> PolitenessPolicy:
    """``Settings().politeness_policy()`` with ``changes``."""
    return replace(Settings().politeness_policy(), **changes)


def backoff_policy(**changes: Any) -> BackoffPolicy:
    """``Settings().backoff_policy()`` with ``changes``."""
    return replace(Settings().backoff_policy(), **changes)


def cadence_policy(**changes: Any) -> CadencePolicy:
    """``Settings().cadence_policy()`` with ``changes``."""
    return replace(Settings().cadence_policy(), **changes)
