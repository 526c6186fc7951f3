"""The accuracy benchmark's bookkeeping of what the data can show (``benchmarks/accuracy.py``)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import accuracy  # noqa: E402


def _two_lunges(rest_from: float, rest_to: float):
    """Two 30 deg lunges peaking at 2 s and 5 s with a rest at 0 deg from ``rest_from`` to ``rest_to``."""
    t = np.arange(0.0, 8.0, 0.01)
    x = np.where((t > rest_from) & (t < rest_to), 0.0, 30.0)
    x[t < 1.0] = 0.0
    x[t > 6.0] = 0.0
    reps = [SimpleNamespace(peak_s=2.0), SimpleNamespace(peak_s=5.0)]
    return SimpleNamespace(t=t, reps=reps), x


def test_two_reps_whose_rest_between_them_fell_in_a_gap_are_joined():
    truth, x = _two_lunges(3.0, 4.0)
    joined = accuracy.joined_in_gaps(truth, x, 1.0, np.array([2.8]), np.array([4.2]))
    assert joined == {1}


def test_a_rest_received_even_in_part_keeps_the_two_reps_apart():
    truth, x = _two_lunges(3.0, 4.0)
    assert accuracy.joined_in_gaps(truth, x, 1.0, np.array([2.8]), np.array([3.9])) == set()
    assert accuracy.joined_in_gaps(truth, x, 1.0, np.zeros(0), np.zeros(0)) == set()


def test_reps_that_never_come_back_to_rest_are_not_joined():
    # no return to rest between them at all: a valley, which the data may show
    truth, x = _two_lunges(9.0, 9.0)
    assert accuracy.joined_in_gaps(truth, x, 1.0, np.array([2.8]), np.array([4.2])) == set()


def test_negative_reps_come_back_from_below():
    truth, x = _two_lunges(3.0, 4.0)
    assert accuracy.joined_in_gaps(truth, -x, -1.0, np.array([2.8]), np.array([4.2])) == {1}
