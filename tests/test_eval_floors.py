"""Quality floors on the committed own-words cases (tests/fixtures/labelled): a change that makes
the pipeline worse than these fails CI. Raise a floor when the pipeline gets better; never lower
one to make a change pass. `newsmon eval` prints the same figures with the misses, and the study
set's two parts of real reports beside them when their texts are cached (bench/study/README.md).

The floors are the targets real reports must reach (issue 14's table): the own-words cases are
what a clean checkout can measure; the study set's held-back part is what predicts real use.
"""

from __future__ import annotations

import pytest

from newsmon.services.evaluate import Report, evaluate
from tests.conftest import FIXTURES

DETECTION = {  # language group: (precision, recall)
    "vi": (0.97, 0.95),
    "en": (0.9, 0.9),
    "other": (0.9, 0.8),
}
DATE_ACCURACY = 0.95
PROVINCE_ACCURACY = 0.95
PARTICIPANTS_ACCURACY = 0.9
CLUSTERING_F1 = 0.9
DUPLICATE_PRECISION = 0.97
DUPLICATE_RECALL = 0.97


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate([FIXTURES / "labelled"])


def test_set_is_large_enough(report: Report):
    assert report.cases >= 130
    assert report.fields["n"] >= 80
    assert report.languages.get("en", 0) >= 15
    assert sum(n for lang, n in report.languages.items() if lang not in ("vi", "en")) >= 8


@pytest.mark.parametrize("group", sorted(DETECTION))
def test_training_detection_by_language(report: Report, group: str):
    precision, recall = DETECTION[group]
    scores = report.detection_by_language[group]
    assert scores["precision"] >= precision, report.errors
    assert scores["recall"] >= recall, report.errors


def test_event_fields(report: Report):
    assert report.fields["date"] >= DATE_ACCURACY, report.errors
    assert report.fields["province"] >= PROVINCE_ACCURACY, report.errors
    assert report.fields["province_2025"] >= PROVINCE_ACCURACY, report.errors
    assert report.fields["participants"] >= PARTICIPANTS_ACCURACY, report.errors


def test_event_clustering(report: Report):
    assert report.clustering["f1"] >= CLUSTERING_F1, report.errors


def test_near_duplicates(report: Report):
    assert report.duplicates["precision"] >= DUPLICATE_PRECISION, report.errors
    assert report.duplicates["recall"] >= DUPLICATE_RECALL, report.errors
