"""What the refresh reads of a gazetteer (parsed by the caller, e.g. ``extractors.gazetteer``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Gazetteer(Protocol):
    """A gazetteer as rows for the warehouse, and a fingerprint that changes whenever a spelling does."""

    @property
    def fingerprint(self) -> str: ...

    def entity_rows(self) -> Sequence[tuple[object, ...]]: ...

    def pattern_rows(self) -> Sequence[tuple[object, ...]]: ...
