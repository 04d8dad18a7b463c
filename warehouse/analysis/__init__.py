"""Analysis beside the seed corpus: mentions, closeness to the seeds, search, near-duplicates.

``refresh`` keeps it up to date incrementally; the results are tables and views in the warehouse
(README, "Analysis"), read by ``warehouse.analysis.reads`` for the CLI.
"""

from warehouse.analysis.incremental import GazetteerRows, RefreshReport, refresh

__all__ = ["GazetteerRows", "RefreshReport", "refresh"]
