"""evaluate.py and its library, on a tiny real training run of two built-in tasks."""

import io
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from datasets import builtin as builtin_tasks
from datasets import pipeline
from datasets import tasks as task_registry
from hyper_lifelong_gan.config import TrainConfig
from hyper_lifelong_gan.evaluation import classifier as classifier_lib
from hyper_lifelong_gan.evaluation import command, reports, runs
from hyper_lifelong_gan.metrics import domain_classifier, fid
from hyper_lifelong_gan.metrics.forgetting import mean_forgetting
from hyper_lifelong_gan.reporting import figures as reporting_figures
from hyper_lifelong_gan.training import trainer

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TASKS = ("toy_labels2street", "toy_photo2warm")
# Small enough for seconds; the classifier's accuracy at its real setting is the slow test.
FAST = dict(eval_examples=16, classifier_steps=20)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, toy_data_dir):
    """(workdir, the results the trainer recorded) of a tiny real run of two tasks."""
    workdir = str(tmp_path_factory.mktemp("run"))
    results = trainer.train(
        TrainConfig(
            tasks=",".join(TASKS), steps_per_task=2, batch_size=4, image_size=32, ngf=4,
            n_blocks=1, ndf=8, eval_examples=16, workdir=workdir, data_dir=toy_data_dir,
            jit_compile="false",  # compiling two steps would cost more than running them
        ),
        log_stream=io.StringIO(),
    )
    return workdir, json.loads(json.dumps(results))


@pytest.fixture(scope="module")
def workdir(trained):
    return trained[0]


def _evaluate(workdirs, metrics, **kwargs):
    stream = io.StringIO()
    evaluations = command.evaluate_runs(
        workdirs, metrics, stream=stream, log_stream=io.StringIO(), **{**FAST, **kwargs}
    )
    return evaluations, stream.getvalue()


def _results(workdir):
    with open(os.path.join(workdir, "results.json")) as stream:
        return json.load(stream)


@pytest.fixture(scope="module")
def evaluated(workdir):
    """The offline evaluation of the acceptance criteria, run once for several tests."""
    evaluations, printed = _evaluate(
        [workdir], "fid,acc,l1,psnr,ssim,params", fid_features="classifier"
    )
    return evaluations, printed, _results(workdir)


def _assert_triangular(matrix, num_tasks):
    assert len(matrix) == num_tasks
    for stage, row in enumerate(matrix):
        assert len(row) == num_tasks
        for task, value in enumerate(row):
            if task <= stage:
                assert isinstance(value, float) and np.isfinite(value), (stage, task, value)
            else:
                assert value is None, (stage, task, value)


def test_results_json_gets_acc_and_classifier_fid_matrices(evaluated):
    _, _, results = evaluated
    metrics = results["metrics"]
    assert "fid" not in metrics  # classifier features are never passed off as FID
    for key in ("acc", "fid_classifier", "l1", "psnr", "ssim"):
        _assert_triangular(metrics[key], len(TASKS))
    assert all(0.0 <= value <= 1.0 for row in metrics["acc"] for value in row if value is not None)
    assert all(value >= 0.0 for row in metrics["fid_classifier"] for value in row if value is not None)
    assert results["tasks"] == list(TASKS)
    assert results["method"] == "hyper_lifelong_gan"
    assert len(results["params"]) == len(TASKS)


def test_l1_psnr_ssim_reproduce_the_trainers_numbers(trained, evaluated):
    # The run was trained with eval_examples=16, the evaluation's FAST setting.
    _, trainer_results = trained
    _, _, results = evaluated
    for name in ("l1", "psnr", "ssim"):
        rows = zip(results["metrics"][name], trainer_results["metrics"][name])
        for evaluated_row, trainer_row in rows:
            assert [v is None for v in evaluated_row] == [v is None for v in trainer_row]
            np.testing.assert_allclose(
                [v for v in evaluated_row if v is not None],
                [v for v in trainer_row if v is not None], rtol=1e-6, err_msg=name,
            )


def test_report_table_heatmaps_grids_and_tensorboard_are_written(workdir, evaluated):
    (evaluation,), printed, results = evaluated
    with open(os.path.join(workdir, "report.md")) as stream:
        report_text = stream.read()
    # The paper's layout: metric rows, one column per run, the final-stage mean.
    assert "| Metric | hyper_lifelong_gan |" in report_text
    final_acc = 100.0 * np.mean(results["metrics"]["acc"][-1])
    assert f"| Acc | {final_acc:.2f} |" in report_text
    assert "| FID (classifier features) |" in report_text
    assert "| Metric | hyper_lifelong_gan |" in printed
    assert "Generator parameters" in printed

    figures = os.path.join(workdir, "evaluation")
    expected = [f"heatmap_{key}.png" for key in ("acc", "fid_classifier", "l1", "psnr", "ssim")]
    expected += [f"samples_{task}.png" for task in TASKS]
    for name in expected:
        with open(os.path.join(figures, name), "rb") as stream:
            assert stream.read(8) == b"\x89PNG\r\n\x1a\n", name
    assert sorted(evaluation.figures.values()) == sorted(os.path.join(figures, n) for n in expected)
    with Image.open(os.path.join(figures, "heatmap_acc.png")) as heatmap:
        assert heatmap.size == reporting_figures.heatmap_size(len(TASKS))
    # The forgetting row: metrics.forgetting's definition, in percent for Acc.
    drop = 100.0 * mean_forgetting("acc", evaluation.matrices["acc"])
    assert f"| forgetting | {drop:.2f} | - | {drop:.2f} |" in report_text

    events = tf.io.gfile.glob(os.path.join(workdir, "tensorboard", "eval", "events.out.tfevents.*"))
    tags = set()
    for event_file in events:
        for event in tf.compat.v1.train.summary_iterator(event_file):
            tags.update(value.tag for value in event.summary.value)
    assert {f"acc/{TASKS[0]}", "acc/mean", "fid_classifier/mean", "final_mean/acc"} <= tags
    assert {f"samples/{task}" for task in TASKS} <= tags
    assert "heatmaps/acc" in tags


@pytest.fixture(scope="module")
def evaluated_again(workdir, evaluated, tmp_path_factory):
    """A second evaluation from scratch (the domain classifier is trained again, not
    read from its cache), beside a copy of the run as a second column."""
    shutil.rmtree(os.path.join(workdir, classifier_lib.CLASSIFIER_DIR))
    copy = str(tmp_path_factory.mktemp("second") / "copy")
    shutil.copytree(workdir, copy)
    evaluations, printed = _evaluate(
        [workdir, copy], "fid,acc,l1,psnr,ssim,params", fid_features="classifier"
    )
    return evaluations, printed, copy


def test_evaluating_twice_gives_the_same_numbers(
    workdir, evaluated, evaluated_again
):
    (first,), _, first_results = evaluated
    evaluations, _, _ = evaluated_again
    assert _results(workdir)["metrics"] == first_results["metrics"]
    assert reports.run_report_text(evaluations[0], "") == (
        reports.run_report_text(first, "")
    )


def test_several_workdirs_are_columns_of_one_table(workdir, evaluated_again):
    evaluations, printed, copy = evaluated_again
    assert [e.name for e in evaluations] == [
        f"hyper_lifelong_gan ({os.path.basename(workdir)})", "hyper_lifelong_gan (copy)"
    ]
    header = (
        f"| Metric | hyper_lifelong_gan ({os.path.basename(workdir)}) "
        "| hyper_lifelong_gan (copy) |"
    )
    assert printed.count(header) == 1
    assert os.listdir(os.path.join(copy, classifier_lib.CLASSIFIER_DIR))
    with open(os.path.join(copy, "report.md")) as stream:
        assert header in stream.read()
    # One judge for both columns: the classifier is shared, so the same run scores the same.
    assert evaluations[0].means == evaluations[1].means


def test_a_run_stopped_early_fills_the_rows_it_has(
    workdir, evaluated, tmp_path
):
    partial = str(tmp_path / "partial")
    shutil.copytree(workdir, partial)
    with open(os.path.join(partial, "progress.json"), "w") as stream:
        json.dump({"completed_tasks": 1}, stream)
    (evaluation,), printed = _evaluate([partial], "l1")
    assert evaluation.name == "hyper_lifelong_gan (after 1/2 tasks)"
    assert os.path.isfile(os.path.join(partial, "evaluation", f"samples_{TASKS[0]}.png"))
    (row,) = _results(partial)["metrics"]["l1"]
    assert row[1] is None
    assert row == evaluated[2]["metrics"]["l1"][0]


def test_params_are_printed_per_stage(workdir, evaluated):
    _, _, results = evaluated
    (evaluation,), printed = _evaluate([workdir], "params")
    assert evaluation.params == results["params"]
    first, second = results["params"]
    assert f"after {TASKS[0]} {first / 1e6:.3f}M ({first:,})" in printed
    assert f"after {TASKS[1]} {second / 1e6:.3f}M ({second:,})" in printed


def test_bad_inputs_get_one_sentence(workdir, tmp_path):
    with pytest.raises(runs.EvaluationError, match="does not exist"):
        _evaluate([str(tmp_path / "missing")], "acc")
    with pytest.raises(runs.EvaluationError, match="holds no training run"):
        _evaluate([str(tmp_path)], "acc")
    untrained = tmp_path / "untrained"
    untrained.mkdir()
    shutil.copy(os.path.join(workdir, "run_config.json"), untrained)
    with pytest.raises(runs.EvaluationError, match="has no completed task"):
        _evaluate([str(untrained)], "acc")
    with pytest.raises(runs.EvaluationError, match="Unknown metric 'fidd'.*valid"):
        _evaluate([workdir], "fidd,acc")


def test_without_workdir_every_run_under_runs_is_evaluated(workdir, evaluated, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(runs.EvaluationError, match=r"^No --workdir given and no run"):
        _evaluate([], "l1")
    shutil.copytree(workdir, tmp_path / "runs" / "hyper_lifelong_gan")
    unfinished = tmp_path / "runs" / "sft"
    unfinished.mkdir()
    shutil.copy(os.path.join(workdir, "run_config.json"), unfinished)
    (tmp_path / "runs" / "notes").mkdir()  # not a run: ignored
    log = io.StringIO()
    evaluations = command.evaluate_runs(
        [], "l1", stream=io.StringIO(), log_stream=log, **FAST
    )
    assert [e.run.workdir for e in evaluations] == [os.path.join("runs", "hyper_lifelong_gan")]
    assert (
        "No --workdir given: evaluating the 1 run(s) under runs/: runs/hyper_lifelong_gan "
        "(skipped, no task learned yet: runs/sft)." in log.getvalue()
    )
    assert _results("runs/hyper_lifelong_gan")["metrics"]["l1"] == evaluated[2]["metrics"]["l1"]


def test_fid_without_inception_weights_fails_with_the_sentence(workdir, tmp_path):
    keras_home = tmp_path / "empty_keras_home"
    keras_home.mkdir()
    before = _results(workdir)
    completed = subprocess.run(
        [sys.executable, os.path.join(REPOSITORY, "evaluate.py"), f"--workdir={workdir}",
         "--metrics=fid"],
        cwd=REPOSITORY, env={**os.environ, "KERAS_HOME": str(keras_home)},
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 1
    assert fid.inception_weights_unavailable_message(str(keras_home)) in completed.stderr
    assert "--fid_features=classifier" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert _results(workdir) == before


@pytest.mark.slow
def test_classifier_separates_the_real_test_targets_of_the_builtin_sequence(tmp_path):
    tasks = task_registry.parse_tasks(",".join(builtin_tasks.PAIRED_TASKS))
    data_dir = str(tmp_path / "tfds")
    classifier = classifier_lib.sequence_domain_classifier(
        tasks, 32, str(tmp_path / "classifier"), data_dir
    )
    test_targets = [pipeline.target_images(task, "test", 32, data_dir).batch(50) for task in tasks]
    accuracies = domain_classifier.accuracy_per_task(classifier, test_targets)
    assert min(accuracies) >= 0.95, accuracies


def test_mean_quality_is_the_mean_of_the_per_image_metrics_over_batches_of_any_size():
    # Its sums are compiled (one graph per batch shape); the per-image functions run op by op.
    from hyper_lifelong_gan.evaluation.scores import MeanQuality
    from hyper_lifelong_gan.metrics import image_quality

    rng = np.random.default_rng(3)
    outputs, targets = (tf.constant(rng.uniform(-1, 1, (5, 16, 16, 3)), tf.float32) for _ in range(2))
    quality = MeanQuality()
    for start, end in ((0, 2), (2, 4), (4, 5)):  # the last batch is smaller
        quality.update(None, outputs[start:end], targets[start:end])
    result = quality.result()
    for name, metric in (("l1", image_quality.l1), ("psnr", image_quality.psnr), ("ssim", image_quality.ssim)):
        # float32 sums of five values: a few units in the last place.
        assert result[name] == pytest.approx(float(np.mean(metric(outputs, targets))), rel=1e-5), name
