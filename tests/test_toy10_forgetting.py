"""The forgetting table of benchmarks/toy10_forgetting.py, from hand-made L1 matrices."""

import pytest

from benchmarks import toy10_forgetting as bench
from hyper_lifelong_gan import config as config_lib


def matrix(learned, final):
    """A lower-is-better matrix: task j at `learned[j]` until the last row, `final` there."""
    tasks = len(final)
    rows = [[learned[j] if j <= i else None for j in range(tasks)] for i in range(tasks - 1)]
    return rows + [list(final)]


def test_run_summary_reads_the_diagonal_and_the_last_row():
    summary = bench.run_summary(matrix([0.10, 0.20, 0.30], [0.12, 0.19, 0.50]), bar=0.15)
    assert summary["mean_forgetting"] == pytest.approx((0.02 - 0.01) / 2)
    assert (summary["worst_task"], summary["over_bar"]) == (1, 1)  # the last task is not an earlier one
    assert summary["worst_change"] == pytest.approx(0.2)
    assert summary["final_mean"] == pytest.approx((0.12 + 0.19 + 0.50) / 3)
    assert summary["earlier_learned"] == pytest.approx((0.10 + 0.20) / 2)
    assert summary["earlier_final"] == pytest.approx((0.12 + 0.19) / 2)


def test_against_exact_is_the_ratio_of_the_seed_averages_and_left_out_when_exact_does_not_forget():
    def results(learned, final):
        return {"metrics": {"l1": matrix(learned, final)}}

    runs = {
        "exact": {0: results([0.1, 0.1, 0.1], [0.11, 0.10, 0.1]), 1: results([0.1, 0.1, 0.1], [0.10, 0.11, 0.1])},
        "passes1": {0: results([0.1, 0.1, 0.1], [0.13, 0.10, 0.1]), 1: results([0.1, 0.1, 0.1], [0.10, 0.10, 0.1])},
    }
    table = bench.summarize(runs)
    assert table["exact"]["mean_forgetting"] == pytest.approx(0.005)
    assert table["passes1"]["against_exact"] == pytest.approx(1.5)
    text = bench.markdown(table, [0, 1])
    assert "| 1 pass | 0.0150 (task 1 +30.0%) | 0.0000" in text and "| 1.50x | 1 of 2 | 0.1000, 0.1075 |" in text

    runs["exact"] = {0: results([0.1, 0.1, 0.1], [0.09, 0.1, 0.1])}
    runs["passes1"] = {0: runs["passes1"][0]}
    assert bench.summarize(runs)["passes1"]["against_exact"] is None  # exact got better: no ratio


def test_settings_and_seeds_are_checked_before_anything_runs():
    assert bench.parse_settings("exact, passes1_runs4,sft") == ["exact", "passes1_runs4", "sft"]
    with pytest.raises(config_lib.InvalidConfig, match="Unknown --settings k1"):
        bench.parse_settings("exact,k1")
    assert bench.parse_seeds("2,0,2") == [0, 2]
    for bad in ("", "a", "-1"):
        with pytest.raises(config_lib.InvalidConfig, match="--seeds"):
            bench.parse_seeds(bad)


def test_each_setting_trains_the_long_sequence_with_its_own_flags(tmp_path):
    config = bench.run_config("passes2_runs4", 3, str(tmp_path), steps_per_task=5)
    assert (config.tasks, config.seed, config.steps_per_task) == ("toy10", 3, "5")
    assert (config.distillation, config.distill_passes, config.distill_runs, config.method) == (
        "sampled", 2, 4, "hyper_lifelong_gan")
    assert config.workdir == str(tmp_path / "passes2_runs4" / "seed_3")
    assert bench.run_config("sft", 0, str(tmp_path)).method == "sft"
    assert bench.run_config("exact", 0, str(tmp_path)).distillation == "exact"
    # The recommended setting is the sampled choice at its defaults: 2 passes, 6 runs.
    sampled = bench.run_config("sampled", 0, str(tmp_path))
    assert (sampled.distillation, sampled.distill_passes, sampled.distill_runs) == ("sampled", 2, 6)
