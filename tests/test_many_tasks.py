"""benchmarks/many_tasks.py: its arithmetic on hand-made run files, and one tiny end-to-end run."""

import json
import os
import subprocess
import sys

import pytest

from benchmarks import many_tasks as bench

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Three tasks; the middle row left null by a sparse evaluation schedule except its diagonal.
L1 = [[0.10, None, None], [None, 0.20, None], [0.16, 0.26, 0.05]]
BASELINES = [[0.40, None, None], [None, 0.50, None], [0.40, 0.50, 0.30]]


def _records(speeds_by_task):
    """metrics.jsonl records: per task, one record per speed, steps 10, 20, ..."""
    records = []
    for task, speeds in enumerate(speeds_by_task):
        for index, speed in enumerate(speeds):
            records.append(dict(task=task, task_name=f"t{task}", step=10 * (index + 1), images_per_second=speed))
    return records


def _write_run(folder, records, samples):
    workdir = folder / "run"
    workdir.mkdir()
    results = dict(method="hyper_lifelong_gan", tasks=["a", "b", "c"], metrics=dict(l1=L1),
                   baselines=dict(l1=BASELINES), params=[100, 150, 200])
    (workdir / "results.json").write_text(json.dumps(results))
    (workdir / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    samples_path = folder / "samples.jsonl"
    samples_path.write_text("".join(json.dumps(s) + "\n" for s in samples))
    return str(workdir), str(samples_path)


def test_retained_is_the_share_of_the_gain_over_the_baseline_that_is_kept():
    assert bench.retained(0.40, 0.10, 0.16) == pytest.approx(0.8)
    assert bench.retained(0.40, 0.10, 0.10) == pytest.approx(1.0)
    assert bench.retained(0.40, 0.10, 0.40) == pytest.approx(0.0)
    assert bench.retained(0.40, 0.10, 0.55) == pytest.approx(-0.5)
    assert bench.retained(0.40, 0.45, 0.20) is None  # never learned: no gain to keep
    assert bench.retained(0.40, None, 0.20) is None


def test_quality_per_task_reads_the_diagonal_the_last_row_and_the_first_baseline_given():
    rows = bench.quality_per_task(dict(metrics=dict(l1=L1), baselines=dict(l1=BASELINES)))
    assert [row["just_learned"] for row in rows] == [0.10, 0.20, 0.05]
    assert [row["final"] for row in rows] == [0.16, 0.26, 0.05]
    assert [row["baseline"] for row in rows] == [0.40, 0.50, 0.30]
    assert [row["retained"] for row in rows] == pytest.approx([0.8, 0.8, 1.0])
    assert [row["just_over_baseline"] for row in rows] == pytest.approx([0.25, 0.4, 1 / 6])


def test_step_speeds_leave_out_each_tasks_first_window_of_each_launch():
    records = _records([[1.0, 100.0, 120.0, 110.0], [2.0, 50.0, 60.0]])
    assert bench.step_speeds(records) == {0: 110.0, 1: 55.0}
    # A second launch began at line 2 (a resume mid-task 0): its first window of task 0 goes too.
    assert bench.step_speeds(records, starts=[2]) == {0: 105.0, 1: 55.0}  # 120 left out
    assert bench.step_speeds(records, starts=[1]) == {0: 115.0, 1: 55.0}
    costs = bench.relative_step_costs(bench.step_speeds(records), 3)
    assert costs == [pytest.approx(1.0), pytest.approx(2.0), None]


def test_fit_slope_recovers_a_line_through_one_at_task_one():
    assert bench.fit_slope([1.0, 1.5, 2.0, 2.5]) == pytest.approx(0.5)
    assert bench.fit_slope([1.0, None, 3.0]) == pytest.approx(1.0)
    assert bench.fit_slope([1.0]) is None


def test_parameter_formula_is_exact_for_linear_and_quadratic_growth():
    # Counts of the toy-size generators (hyper: 151,200 + 120,272 t; piggyback grows quadratically).
    hyper = bench.polynomial_counts({1: 271472, 2: 391744, 3: 512016})
    assert [bench.count_at(hyper, t) for t in (4, 8, 100)] == [632288, 1113376, 151200 + 100 * 120272]
    piggyback = bench.polynomial_counts({1: 199072, 2: 310939, 3: 428568})
    assert [bench.count_at(piggyback, t) for t in (4, 8)] == [551959, 1103143]
    assert bench.formula_text(hyper) == "151,200 + 120,272 t"


def test_resources_and_timeline_are_attributed_to_the_task_being_trained():
    samples = [
        dict(event="launch", time=0.0, metrics_lines=0),
        dict(event="poll", time=1.0, completed_tasks=0, task=0, metrics_lines=1, rss=300, peak=350, folder_bytes=10),
        dict(event="poll", time=2.0, completed_tasks=0, task=0, metrics_lines=2, rss=320, peak=400, folder_bytes=20),
        dict(event="poll", time=5.0, completed_tasks=1, task=0, metrics_lines=2, rss=310, peak=410, folder_bytes=30),
        # Task 0 was counted done before the retention policy pruned the folder (30 -> 25).
        dict(event="poll", time=6.0, completed_tasks=1, task=1, metrics_lines=3, rss=500, peak=None, folder_bytes=25),
        dict(event="poll", time=7.5, completed_tasks=2, task=1, metrics_lines=3, rss=None, peak=None,
             folder_bytes=55),
        dict(event="exit", time=8.0, status=0),
    ]
    peak, size = bench.resources_per_task(samples, 3)
    assert peak == [410, 500, None]
    assert size == [25, 55, None]
    records = _records([[1.0, 2.0], [3.0]])
    gaps, wall = bench.measured_timeline(samples, records, 3)
    # Task 0's last record (line 2) was seen at t=2, the task done at t=5; task 1's at 6 and 7.5.
    assert gaps == [pytest.approx(3.0), pytest.approx(1.5), None]
    assert wall == pytest.approx(8.0)


def test_build_report_summarises_a_hand_made_run(tmp_path):
    records = _records([[1.0, 100.0, 100.0], [1.0, 50.0], [1.0, 25.0, 25.0]])  # lines 0-6
    samples = [
        dict(event="launch", time=0.0, metrics_lines=0),
        dict(event="poll", time=1.0, completed_tasks=0, task=0, metrics_lines=3, rss=100e6, peak=120e6,
             folder_bytes=1e6),
        dict(event="poll", time=3.0, completed_tasks=1, task=0, metrics_lines=3, rss=100e6, peak=130e6,
             folder_bytes=2e6),
        dict(event="poll", time=4.0, completed_tasks=1, task=1, metrics_lines=5, rss=140e6, peak=150e6,
             folder_bytes=3e6),
        dict(event="poll", time=5.0, completed_tasks=2, task=1, metrics_lines=5, rss=None, peak=None,
             folder_bytes=4e6),
        dict(event="poll", time=6.0, completed_tasks=2, task=2, metrics_lines=8, rss=160e6, peak=None,
             folder_bytes=5e6),
        dict(event="poll", time=8.0, completed_tasks=3, task=2, metrics_lines=8, rss=None, peak=None,
             folder_bytes=6e6),
        dict(event="exit", time=10.0, status=0),
    ]
    workdir, samples_path = _write_run(tmp_path, records, samples)
    rows, summary = bench.build_report(workdir, samples_path)
    assert [row["step_cost"] for row in rows] == pytest.approx([1.0, 2.0, 4.0])
    assert [row["peak_memory_bytes"] for row in rows] == [130e6, 150e6, 160e6]
    assert [row["folder_bytes"] for row in rows] == [2e6, 4e6, 6e6]
    assert [row["save_and_eval_seconds"] for row in rows] == pytest.approx([2.0, 1.0, 2.0])
    assert summary["mean_retained"] == pytest.approx(0.8) and summary["min_retained"] == pytest.approx(0.8)
    assert summary["tasks_below_half"] == 0
    assert summary["max_just_over_baseline"] == pytest.approx(0.4)
    assert summary["step_cost"] == {1: pytest.approx(1.0), 2: pytest.approx(2.0)}
    assert summary["eval_seconds"] == pytest.approx(5.0) and summary["train_seconds"] == pytest.approx(5.0)
    assert summary["eval_share_of_training"] == pytest.approx(1.0)
    assert summary["eval_source"].startswith("measured by this script")
    text = bench.markdown(rows, summary, "three tasks")
    assert summary["tasks_with_retained"] == 2
    assert "mean 0.800, min 0.800, 0 below 0.5 (2 tasks" in text and "t=2: 2.00x" in text


def test_compared_runs_give_each_earlier_tasks_retained_quality_by_age(tmp_path):
    workdir, _ = _write_run(tmp_path, [], [])
    config = dict(method="hyper_lifelong_gan", distillation="sampled", distill_passes=2, distill_runs=4,
                  task_init="previous", distill_input="unswap")
    (tmp_path / "run" / "run_config.json").write_text(json.dumps(config))
    ((label, ages),) = bench.compared_runs([workdir])
    assert label == "sampled, 2 passes of 4 runs, previous weights, unswap"
    # Task 1: (0.40 - 0.16) / (0.40 - 0.10), age 2; task 2: (0.50 - 0.26) / (0.50 - 0.20), age 1.
    assert ages == [(2, pytest.approx(0.8)), (1, pytest.approx(0.8))]
    with pytest.raises(SystemExit, match="holds no learned task"):
        bench.compared_runs([str(tmp_path / "missing")])


def test_evaluation_seconds_the_run_records_are_preferred():
    assert bench.recorded_eval_seconds({"eval_seconds": [1.5, None, 2.0]}, []) == pytest.approx(3.5)
    assert bench.recorded_eval_seconds({}, [{"task": 0, "evaluation_seconds": 4.0}]) == pytest.approx(4.0)
    assert bench.recorded_eval_seconds({"params": [1]}, [{"task": 0}]) is None


def test_train_command_passes_the_flags_through():
    args, passthrough = bench.parse_args(
        ["--num_tasks=7", "--steps_per_task=40", "--distillation=sampled", "--workdir=w", "--eval_schedule=auto"])
    command = bench.train_command(args, passthrough)
    assert command[1].endswith("train.py")
    assert command[2:] == ["--tasks=toy7", "--seed=0", f"--workdir={os.path.abspath('w')}", "--steps_per_task=40",
                           "--distillation=sampled", "--log_every=5", "--eval_schedule=auto"]
    args, passthrough = bench.parse_args(["--tasks=a,b", "--log_every=3"])
    command = bench.train_command(args, passthrough)
    assert "--tasks=a,b" in command and command.count("--log_every=3") == 1 and "--log_every=50" not in command
    assert args.out == args.workdir + "_report"



def test_train_pys_help_is_shown_without_making_run_folders(tmp_path, capfd):
    workdir = tmp_path / "run"
    assert bench.main(["--helpfull", f"--workdir={workdir}"]) == 0
    assert "--steps_per_task" in capfd.readouterr().out
    assert list(tmp_path.iterdir()) == []

@pytest.mark.slow
def test_two_tiny_tasks_end_to_end(tmp_path):
    workdir = tmp_path / "run"
    completed = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "many_tasks.py"), "--tasks=toy_labels2street,toy_edges2bags",
         "--steps_per_task=4", "--log_every=2", f"--workdir={workdir}", "--eval_examples=8", "--ngf=4",
         "--n_blocks=1", "--jit_compile=false", "--poll=0.2"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads((tmp_path / "run_report" / "many_tasks.json").read_text())
    assert [row["task"] for row in report["tasks"]] == [1, 2]
    assert all(row["peak_memory_bytes"] > 50e6 for row in report["tasks"])
    assert report["tasks"][1]["folder_bytes"] > report["tasks"][0]["folder_bytes"] > 0
    assert report["tasks"][0]["step_cost"] == pytest.approx(1.0)
    assert report["summary"]["params_match_formula"] is True
    for name in ("step_cost.png", "parameters.png", "retained.png", "many_tasks.md"):
        assert (tmp_path / "run_report" / name).stat().st_size > 0


def test_setting_label_names_the_distillation_the_run_recorded():
    assert bench.setting_label("", dict(method="hyper_lifelong_gan", distillation="exact")) == "exact"
    assert bench.setting_label("", dict(method="hyper_lifelong_gan", distillation="sampled", distill_passes=2,
                                        distill_runs=4)) == "sampled, 2 passes of 4 runs"
    assert bench.setting_label("sampled", dict(method="hyper_lifelong_gan")) == "sampled"
    assert bench.setting_label("", dict(method="sft")) == "none (sft)"
    assert bench.setting_label("", dict(method="hyper_lifelong_gan", distillation="exact", task_init="fresh",
                                        distill_input="swap")) == "exact, fresh weights, swap"
