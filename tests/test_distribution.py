"""Training under MirroredStrategy on 2 logical CPUs gives the losses of one device."""

import distilling_step
import pytest


def test_mirrored_strategy_matches_one_device():
    report = distilling_step.report_of("mirrored_check.py", timeout=600)
    assert report["replicas"] == 2
    assert len(report["single"]) == len(report["mirrored"]) == 3
    # The student starts as a copy of the teacher, so distillation is 0 at the first
    # step and positive once the shared weights have moved.
    assert report["single"][0]["distillation"] == 0
    assert all(step["distillation"] > 0 for step in report["single"][1:])
    for single, mirrored in zip(report["single"], report["mirrored"]):
        for name, value in single.items():
            assert mirrored[name] == pytest.approx(value, rel=1e-4, abs=1e-5), name
    # With sampled distillation the replicas draw the same tasks from the step's seed
    # inside the compiled step, and the numbers still match one device: spread over
    # the images (each replica distils the runs of the global batch its images are in)
    # and with one task on the whole batch.
    for variant in ("sampled", "whole"):
        assert len(report[f"{variant}_single"]) == len(report[f"{variant}_mirrored"]) == 3
        assert all(step["distillation"] > 0 for step in report[f"{variant}_single"][1:])
        for single, mirrored in zip(report[f"{variant}_single"], report[f"{variant}_mirrored"]):
            for name, value in single.items():
                assert mirrored[name] == pytest.approx(value, rel=1e-4, abs=1e-5), (variant, name)
    # The two ways of sampling really are different computations.
    assert report["sampled_single"][1]["distillation"] != pytest.approx(report["whole_single"][1]["distillation"])
    # RowSparseAdam sums all row-sparse gradients in one gather (all_gather_row_gradients):
    # the same rows in the same order as TensorFlow's gather of each gradient on its own,
    # on every replica, with row counts that differ between replicas (one of them 0).
    assert len(report["row_gradients"]) == 3
    for gradient in report["row_gradients"]:
        assert len(gradient) == 2
        for ours_values, ours_indices, their_values, their_indices in gradient:
            assert ours_indices == their_indices and ours_values == their_values
    assert [len(gradient[0][1]) for gradient in report["row_gradients"]] == [3, 3, 2]
