"""metrics.forgetting: the one definition of forgetting and mean forgetting, and that
the tables, the comparison and the toy10 benchmark all use it."""

import math

import pytest

from benchmarks import toy10_forgetting
from hyper_lifelong_gan.experiments import comparison
from hyper_lifelong_gan.metrics.facts import HIGHER_IS_BETTER
from hyper_lifelong_gan.metrics.forgetting import forgetting, mean_forgetting, worsening
from hyper_lifelong_gan.reporting import tables


@pytest.mark.parametrize("metric", sorted(HIGHER_IS_BETTER))
def test_a_task_that_got_worse_has_positive_forgetting_for_every_metric(metric):
    # Task 0 got worse by 2 and task 1 better by 1, in the metric's own direction.
    worse = -1.0 if HIGHER_IS_BETTER[metric] else 1.0
    matrix = [[10.0, None, None], [10.0 + 2 * worse, 20.0, None], [10.0 + 2 * worse, 20.0 - worse, 5.0]]
    assert forgetting(metric, matrix) == pytest.approx([2.0, -1.0])
    assert mean_forgetting(metric, matrix) == pytest.approx(0.5)  # tasks 0 and 1, not the last
    assert forgetting(metric, matrix, stage=1) == pytest.approx([2.0])
    assert worsening(metric, 1.0, 1.0 + worse) == pytest.approx(1.0)


def test_the_directions_are_those_of_the_papers_metrics():
    assert worsening("acc", 0.9, 0.8) == pytest.approx(0.1)
    assert worsening("psnr", 20.0, 15.0) == pytest.approx(5.0)
    assert worsening("ssim", 0.8, 0.7) == pytest.approx(0.1)
    assert worsening("l1", 0.1, 0.3) == pytest.approx(0.2)
    assert worsening("fid", 50.0, 70.0) == pytest.approx(20.0)
    assert math.copysign(1.0, worsening("l1", 0.1, 0.1)) == 1.0  # 0.0, never -0.0


def test_nothing_to_forget_and_missing_entries():
    assert forgetting("psnr", [[20.0]]) == [] and mean_forgetting("psnr", [[20.0]]) is None
    matrix = [[None, None, None], [0.3, 0.2, None], [0.4, float("nan"), 0.2]]
    assert forgetting("l1", matrix) == [None, None]
    assert mean_forgetting("l1", matrix) is None
    matrix[0][0] = 0.1
    assert mean_forgetting("l1", matrix) == pytest.approx(0.3)  # only the known task counts


def test_an_unknown_metric_is_refused_in_one_sentence():
    with pytest.raises(ValueError, match="No direction is known for metric 'sharpness'; add it to metrics/facts.py"):
        forgetting("sharpness", [[1.0, None], [0.5, 1.0]])


def test_tables_comparison_and_benchmark_report_the_same_mean_forgetting():
    l1 = [[0.1, None, None], [0.3, 0.2, None], [0.4, 0.1, 0.2]]  # lower is better
    expected = ((0.4 - 0.1) + (0.1 - 0.2)) / 2
    assert mean_forgetting("l1", l1) == pytest.approx(expected)
    results = {"metrics": {"l1": l1}, "params": [1, 2, 3]}
    assert comparison.summarize(results)["l1_forgetting"] == pytest.approx(expected)
    assert toy10_forgetting.run_summary(l1)["mean_forgetting"] == pytest.approx(expected)
    last_row = tables.continual_matrix_table("l1", ["a", "b", "c"], l1).splitlines()[-1]
    assert last_row == f"| forgetting | 0.30 | -0.10 | - | {expected:.2f} |"
