"""The comparison run (paper Table 4 layout) and the parameter table (paper Table 5)."""

import io
import json

import numpy as np
import pytest
from absl import flags
from graph_mode import eagerly

from hyper_lifelong_gan import workdir
from hyper_lifelong_gan.config import InvalidConfig, TrainConfig
from hyper_lifelong_gan.experiments import comparison, parameter_table
from hyper_lifelong_gan.training import trainer

TINY = dict(
    tasks="toy_labels2street,toy_photo2warm", steps_per_task=2, batch_size=2, image_size=32, ngf=4,
    n_blocks=1, ndf=8, eval_examples=4, log_every=1,
    jit_compile="false",  # compiling two steps with XLA would cost more than running them
)
METHODS = ["sft", "hyper_lifelong_gan"]
ROWS = ["l1", "psnr", "ssim", "l1_forgetting", "psnr_forgetting", "ssim_forgetting", "params"]



def read_results(out_dir, method):
    with open(out_dir / method / workdir.RESULTS) as stream:
        return json.load(stream)


def test_comparison_writes_the_table_and_skips_finished_runs(tmp_path, toy_data_dir, monkeypatch):
    config = TrainConfig(data_dir=toy_data_dir, **TINY)
    out_dir = tmp_path / "comparison"
    with eagerly():
        table = comparison.compare(config, METHODS, str(out_dir), log_stream=io.StringIO(), parallel=1)

    written = json.loads((out_dir / "comparison.json").read_text())
    assert written == json.loads(json.dumps(table))
    assert written["columns"] == METHODS and written["rows"] == ROWS
    assert written["tasks"] == TINY["tasks"].split(",")
    assert written["status"] == {"sft": "trained", "hyper_lifelong_gan": "trained"}
    for method in METHODS:
        results = read_results(out_dir, method)  # each method's own results.json is kept
        values = written["values"][method]
        assert values["l1"] == pytest.approx(np.mean(results["metrics"]["l1"][-1]))
        assert values["params"] == results["params"][-1]
    assert written["values"]["sft"]["params"] < written["values"]["hyper_lifelong_gan"]["params"]

    lines = (out_dir / "comparison.md").read_text().splitlines()
    assert "| Metric | sft | hyper_lifelong_gan |" in lines
    labels = [line.split(" | ")[0].lstrip("| ") for line in lines if line.startswith("| ") and "---" not in line]
    assert labels == ["Metric"] + [comparison.row_label(row) for row in ROWS]

    # evaluate.py adds Acc matrices to results.json; a re-run trains nothing and shows them.
    results = read_results(out_dir, "sft")
    results["metrics"]["acc"] = [[0.9, None], [0.5, 0.8]]
    (out_dir / "sft" / workdir.RESULTS).write_text(json.dumps(results))

    def no_training(*args, **kwargs):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(trainer, "train", no_training)
    again = comparison.compare(config, METHODS, str(out_dir), log_stream=io.StringIO(), parallel=1)
    assert again["status"] == {"sft": "skipped", "hyper_lifelong_gan": "skipped"}
    assert again["rows"] == ["acc"] + ROWS[:3] + ["acc_forgetting"] + ROWS[3:]
    assert again["values"]["sft"]["acc"] == pytest.approx(0.65)
    assert again["values"]["sft"]["acc_forgetting"] == pytest.approx(0.4)
    assert again["values"]["hyper_lifelong_gan"]["acc"] is None
    assert again["values"]["sft"]["l1"] == table["values"]["sft"]["l1"]
    assert "| Acc (higher is better) | 65.00 | - |" in (out_dir / "comparison.md").read_text()

    # A finished run made with other flags is refused, not silently reused.
    with pytest.raises(workdir.ConfigMismatch):
        comparison.compare(TrainConfig(data_dir=toy_data_dir, **dict(TINY, ngf=8)), METHODS, str(out_dir), parallel=1)


@pytest.mark.slow  # two spawned processes, each importing TensorFlow and tracing its steps
def test_parallel_runs_give_the_same_table_as_one_after_another(tmp_path):
    # A fresh data directory: the data is prepared once, before the workers start
    # (two workers generating the same dataset at once would collide). One task: what
    # is compared is where the runs happen, not what they learn.
    config = TrainConfig(data_dir=str(tmp_path / "tfds"), **dict(TINY, tasks="toy_labels2street"))
    parallel = comparison.compare(config, METHODS, str(tmp_path / "parallel"), log_stream=io.StringIO(), parallel=2)
    serial = comparison.compare(config, METHODS, str(tmp_path / "serial"), log_stream=io.StringIO(), parallel=1)
    assert parallel["status"] == serial["status"] == {"sft": "trained", "hyper_lifelong_gan": "trained"}
    for method in METHODS:
        assert (tmp_path / "parallel" / method / "comparison.log").exists()
        for row in ROWS:
            if row.endswith("_forgetting"):  # one task: nothing to forget
                assert parallel["values"][method][row] is serial["values"][method][row] is None
            else:
                assert parallel["values"][method][row] == pytest.approx(serial["values"][method][row], rel=1e-4)


def test_a_row_of_the_table_per_metric_and_its_forgetting_positive_when_a_task_got_worse():
    # Forgetting itself is metrics.forgetting's (tests/test_forgetting.py); here, that the
    # comparison reports it with each metric's direction.
    l1 = [[0.1, None, None], [0.3, 0.2, None], [0.4, 0.1, 0.2]]  # lower is better
    psnr = [[20.0, None, None], [15.0, 18.0, None], [15.0, 19.0, 21.0]]  # higher is better
    summary = comparison.summarize({"metrics": {"l1": l1, "psnr": psnr}, "params": [5, 6, 7]})
    assert summary["l1_forgetting"] == pytest.approx(((0.4 - 0.1) + (0.1 - 0.2)) / 2)
    assert summary["psnr_forgetting"] == pytest.approx(((20.0 - 15.0) + (18.0 - 19.0)) / 2)
    assert summary["l1"] == pytest.approx(0.7 / 3) == comparison.final_mean(l1)
    assert summary["params"] == 7
    one_task = comparison.summarize({"metrics": {"psnr": [[20.0]]}, "params": [5]})
    assert one_task["psnr_forgetting"] is None


def test_methods_flag_and_defaults():
    assert comparison.parse_methods("all") == list(comparison.METHOD_ORDER)
    assert comparison.parse_methods("sft, hyper_lifelong_gan") == ["hyper_lifelong_gan", "sft"]
    with pytest.raises(InvalidConfig, match="Unknown --methods .nope."):
        comparison.parse_methods("sft,nope")
    steps = comparison.with_defaults(TrainConfig()).steps_per_task
    assert steps == comparison.DEFAULT_TOY_STEPS_PER_TASK
    assert comparison.with_defaults(TrainConfig(tasks="cityscapes,maps")).steps_per_task is None
    assert comparison.with_defaults(TrainConfig(steps_per_task=7)).steps_per_task == 7

    flag_values = comparison.define_flags(flags.FlagValues())
    flag_values(["comparison", "--quick", "--ngf=8", "--K=3", "--task_coefficients=false"])
    config = comparison.config_from_flags(flag_values)
    assert (config.ngf, config.K, config.task_coefficients) == (8, 3, False)
    assert config.steps_per_task == comparison.QUICK_OVERRIDES["steps_per_task"]
    assert config.method == TrainConfig().method and config.workdir == ""


@pytest.fixture(scope="module")
def paper_size_table():
    return parameter_table.parameter_table()


def test_parameter_table_json_and_markdown_match_the_computed_table(paper_size_table, tmp_path):
    markdown_path, json_path = parameter_table.write(paper_size_table, str(tmp_path))
    written = json.loads(open(json_path).read())
    assert written == json.loads(json.dumps(paper_size_table))
    markdown = open(markdown_path).read()
    assert markdown == parameter_table.markdown(paper_size_table)

    settings = written["settings"]
    assert set(settings) == {"unpaired", "paired"}
    assert settings["paired"]["same_as"] == "unpaired"  # the same ResNet-6 here; said, not hidden
    assert settings["paired"]["methods"] == settings["unpaired"]["methods"]
    assert "same network" in markdown
    for name, row in settings["unpaired"]["methods"].items():
        counts = {cell: row[cell]["count"] for cell in parameter_table.CELLS}
        assert counts["added_per_task"] == counts["after_task_2"] - counts["after_task_1"]
        for cell in parameter_table.CELLS:
            paper = parameter_table.PAPER_TABLE_5[name][cell]
            assert row[cell]["paper_millions"] == paper
            assert row[cell]["millions"] == pytest.approx(counts[cell] / 1e6, abs=1e-6)
            assert abs(counts[cell] / 1e6 - paper) <= 0.01 + 1e-9 and row[cell]["within_tolerance"]
            assert f"{counts[cell]:,}" in markdown
    # The cells whose two decimals differ from the paper are named with exact counts (each
    # with the output convolution's bias: +3 per generator and per task of per-task filters).
    assert settings["unpaired"]["methods"]["piggyback"]["after_task_2"]["count"] == 12_213_865
    assert any("12,213,865" in note and "12.22M in the paper" in note for note in written["notes"])
    assert any("6,467,750" in note and "truncated" in note for note in written["notes"])
    assert written["notes"][0] == parameter_table.OUTPUT_BIAS_NOTE
