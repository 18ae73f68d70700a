"""Quality floors on the labelled set (tests/fixtures/labelled): a change that makes the
pipeline worse than these fails CI. Raise a floor when the pipeline gets better; never lower
one to make a change pass. `newsmon eval` prints the same figures with the misses."""

from __future__ import annotations

import pytest

from newsmon.services.evaluate import Report, evaluate
from tests.conftest import FIXTURES

# The acceptance targets, met on this set (figures in CHANGELOG.md).
DETECTION_PRECISION = 0.97
DETECTION_RECALL = 0.95
DATE_ACCURACY = 0.95
PROVINCE_ACCURACY = 0.95
CLUSTERING_F1 = 0.95
DUPLICATE_PRECISION = 0.97
DUPLICATE_RECALL = 0.97


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate([FIXTURES / "labelled"])


def test_set_is_large_enough(report: Report):
    assert report.cases >= 70
    assert report.fields["n"] >= 40


def test_training_conference_detection(report: Report):
    assert report.detection["precision"] >= DETECTION_PRECISION, report.errors
    assert report.detection["recall"] >= DETECTION_RECALL, report.errors


def test_event_fields(report: Report):
    assert report.fields["date"] >= DATE_ACCURACY, report.errors
    assert report.fields["province"] >= PROVINCE_ACCURACY, report.errors
    assert report.fields["province_2025"] >= PROVINCE_ACCURACY, report.errors


def test_event_clustering(report: Report):
    assert report.clustering["f1"] >= CLUSTERING_F1, report.errors


def test_near_duplicates(report: Report):
    assert report.duplicates["precision"] >= DUPLICATE_PRECISION, report.errors
    assert report.duplicates["recall"] >= DUPLICATE_RECALL, report.errors
