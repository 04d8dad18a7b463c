"""Quality gate: text F1 on a fixed sample of the shared evaluation set must hold its recorded level.

The sample is every 10th page of the set (sorted keys); its F1 is recorded in extraction_f1.json by
``python bench/extraction.py --record``. The test fails when F1 drops more than 0.01 below that figure.
It measures no time: speed is the benchmark's business (bench/extraction.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.extraction import EVAL_DIR, RECORD_FILE, gate_keys, load_eval_set, ours, score_texts

TOLERANCE = 0.01

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (EVAL_DIR / "gold.json").exists(),
        reason=f"the shared evaluation set is not checked out beside the repository ({Path('../shared/testdata')})",
    ),
]


@pytest.fixture
def quiet_trafilatura() -> Iterator[None]:
    """trafilatura logs a warning for every page it discards; keep the test output readable."""
    logging.disable(logging.ERROR)
    yield
    logging.disable(logging.NOTSET)


def test_the_recorded_figure_is_for_the_current_sample() -> None:
    recorded = json.loads(RECORD_FILE.read_text(encoding="utf-8"))
    assert recorded["pages"] == len(gate_keys()), (
        f"{RECORD_FILE.name} was recorded on another sample; run `python bench/extraction.py --record`"
    )


@pytest.mark.usefixtures("quiet_trafilatura")
def test_f1_on_the_gate_sample_holds() -> None:
    recorded = json.loads(RECORD_FILE.read_text(encoding="utf-8"))["f1"]
    pages = load_eval_set(keys=gate_keys())
    figures = score_texts(pages, {page.key: ours(page).text for page in pages})
    assert figures["f1"] >= recorded - TOLERANCE, (
        f"text F1 on the gate sample fell to {figures['f1']:.4f} (precision {figures['precision']:.4f}, "
        f"recall {figures['recall']:.4f}); recorded {recorded:.4f}, allowed drop {TOLERANCE}. "
        "If the drop is intended, re-record with `python bench/extraction.py --record` and say why in the commit."
    )
