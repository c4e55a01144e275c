"""Training under MirroredStrategy on 2 logical CPUs gives the losses of one device."""

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def test_mirrored_strategy_matches_one_device():
    completed = subprocess.run(
        [sys.executable, os.path.join(HERE, "mirrored_check.py")],
        capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    assert len(report["single"]) == len(report["mirrored"]) == 3
    # The student starts as a copy of the teacher, so distillation is 0 at the first
    # step and positive once the shared weights have moved.
    assert report["single"][0]["distillation"] == 0
    assert all(step["distillation"] > 0 for step in report["single"][1:])
    for single, mirrored in zip(report["single"], report["mirrored"]):
        for name, value in single.items():
            assert mirrored[name] == pytest.approx(value, rel=1e-4, abs=1e-5), name
