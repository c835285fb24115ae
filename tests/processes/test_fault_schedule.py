"""Seeded kills of the store, the API servers, the scheduler and the controller manager during
writes: nothing acknowledged is lost, and the cluster converges (issue 12, the proof).

The schedule and its checks live in fault_schedule.py beside this file; the suite runs a short
one (a few faults in 20 seconds), the command there runs longer ones.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fault_schedule import TARGETS, run  # noqa: E402


def test_after_a_seeded_fault_schedule_every_acknowledged_write_is_there_and_the_cluster_converges(tmp_path):
    outcome = run(tmp_path, faults=6, seconds=20.0, seed=7)
    assert len(outcome.faults) == 6 and {target for _, target in outcome.faults} <= set(TARGETS)
    assert len(outcome.acknowledged) > 20 and len(outcome.scales) > 2   # the writer got work done
    assert outcome.lost == []
