"""translate.py and hyper_lifelong_gan.inference: a trained run applied to image files."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from trained_run import TASKS, train_tiny_run

from hyper_lifelong_gan import inference
from hyper_lifelong_gan.evaluation import generation as evaluation
from hyper_lifelong_gan.reporting.images import save_png

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EIGHT_BIT = 1.0 / 255.0  # half a step of the 255 steps between -1 and 1


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, toy_data_dir):
    workdir = tmp_path_factory.mktemp("run")
    train_tiny_run(workdir, toy_data_dir)
    return str(workdir)


@pytest.fixture(scope="module")
def trained(workdir):
    return inference.load_trained(workdir)


def _read_png(path):
    return np.asarray(Image.open(path), np.float32) / 127.5 - 1.0


@pytest.fixture(scope="module")
def test_split_as_files(trained, tmp_path_factory):
    """The second task's evaluation inputs written as PNG files (lossless: the pipeline's
    inputs are 8-bit), a file that is no image, and an image of a size that is no
    multiple of 4. Returns (folder, inputs, targets)."""
    folder = tmp_path_factory.mktemp("inputs")
    config = trained.run.config
    inputs, targets = [], []
    for batch_inputs, batch_targets in evaluation.test_batches(trained.run.tasks[1], config, config.eval_examples):
        inputs.extend(batch_inputs.numpy())
        targets.extend(batch_targets.numpy())
    for index, image in enumerate(inputs):
        save_png(str(folder / f"test_{index:02d}.png"), image)
    (folder / "broken.png").write_bytes(b"this is not a PNG")
    save_png(str(folder / "odd.png"), np.zeros((30, 22, 3)))
    return str(folder), np.stack(inputs), np.stack(targets)


def test_translating_the_test_inputs_reproduces_the_evaluation_outputs_and_l1(
    trained, workdir, test_split_as_files, tmp_path
):
    folder, inputs, targets = test_split_as_files
    files = inference.input_files(folder)
    summary = inference.translate_files(
        trained, TASKS[1], files, str(tmp_path / "out"), batch_size=3, side_by_side=True,
        log_stream=open(os.devnull, "w"),
    )
    # Every readable file is written, under its own name; the broken one is skipped with its name.
    assert len(summary.written) == len(inputs) + 1
    assert [path for path, _ in summary.skipped] == [os.path.join(folder, "broken.png")]
    assert "broken.png cannot be read as an image" in summary.skipped[0][1]
    assert _read_png(str(tmp_path / "out" / "odd.png")).shape == (30, 22, 3)
    assert _read_png(str(tmp_path / "out" / "pairs" / "odd.png")).shape == (30, 44, 3)
    # The outputs are the evaluation's, up to the 8-bit rounding of the files.
    predict = evaluation.predictor(trained.generators, 1, trained.z, trained.run.config)
    expected = predict(tf.constant(inputs)).numpy()
    outputs = np.stack([_read_png(str(tmp_path / "out" / f"test_{i:02d}.png")) for i in range(len(inputs))])
    assert np.abs(outputs - expected).max() <= EIGHT_BIT + 1e-6
    # ... so their L1 is results.json's last row for the task, within that bound.
    with open(os.path.join(workdir, "results.json")) as stream:
        recorded = json.load(stream)["metrics"]["l1"][-1][1]
    assert abs(np.abs(outputs - targets).mean() - recorded) <= EIGHT_BIT
    with open(summary.index_path) as stream:
        page = stream.read()
    # One row per written file: its input path, its output and its pair, each a link to the image.
    assert page.count("<tr>") == 1 + len(summary.written)
    assert '<a href="test_00.png"><img alt="test_00.png" src="test_00.png"' in page
    assert '<a href="pairs/odd.png"><img alt="pairs/odd.png" src="pairs/odd.png"' in page
    assert f"<td>{os.path.join(folder, 'test_00.png')}</td>" in page
    assert "<h2>Skipped</h2>" in page and "broken.png cannot be read as an image" in page


def test_any_size_is_padded_to_a_multiple_of_4_and_cropped_back(trained):
    images = tf.random.stateless_uniform((2, 32, 28, 3), (0, 0), -1.0, 1.0)
    # A multiple of 4 goes through untouched (graph against eager: float32 sums in another order).
    np.testing.assert_allclose(trained.translate(images, 1), trained.generate(images, 0).numpy(), atol=1e-5)
    odd = images[:, :30, :27]
    assert trained.translate(odd, 1).shape == (2, 30, 27, 3)
    assert trained.translate(odd, TASKS[0], fit="resize").shape == (2, 30, 27, 3)
    padded = inference.pad_to_multiple(odd)
    assert padded.shape == (2, 32, 28, 3)
    np.testing.assert_array_equal(padded[:, 30, :27], odd[:, 29])  # mirrored at the border
    np.testing.assert_array_equal(padded[:, :30, 27], odd[:, :, 26])


def test_bad_inputs_get_one_sentence(trained, workdir, tmp_path):
    with pytest.raises(inference.InferenceError, match="Unknown task 'nope'.*toy_labels2street, toy_photo2warm"):
        trained.task_index("nope")
    with pytest.raises(inference.InferenceError, match="Task 3 is out of range.*1..2"):
        trained.task_index("3")
    first_stage = inference.load_trained(workdir, stage=1)
    with pytest.raises(inference.InferenceError, match="learned only later; pick a later --stage"):
        first_stage.task_index(TASKS[1])
    with pytest.raises(inference.InferenceError, match="--stage=3 is not a learned stage.*use 1..2"):
        inference.load_trained(workdir, stage=3)
    with pytest.raises(inference.InferenceError, match="--direction=inverse needs an unpaired"):
        inference.load_trained(workdir, direction="inverse")
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    shutil.copy(os.path.join(workdir, "run_config.json"), unfinished)
    with pytest.raises(inference.EvaluationError, match="has no completed task yet"):
        inference.load_trained(str(unfinished))
    with pytest.raises(inference.InferenceError, match="holds no image files"):
        inference.input_files(str(unfinished))
    with pytest.raises(inference.InferenceError, match="no file matches it"):
        inference.input_files(str(tmp_path / "*.jpg"))


def _translate_cli(*args):
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "translate.py"), *args], cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )


def test_translate_cli_help_and_missing_flags(tmp_path):
    assert _translate_cli("--help").returncode == 0
    completed = _translate_cli(f"--workdir={tmp_path}", f"--input={tmp_path}", f"--output={tmp_path / 'o'}")
    assert completed.returncode == 1
    assert completed.stderr.strip() == "error: --task is required: a task name or number."


@pytest.mark.slow
def test_translate_cli_skips_and_counts_an_unreadable_file(workdir, test_split_as_files, tmp_path):
    folder, inputs, _ = test_split_as_files
    output = tmp_path / "out"
    completed = _translate_cli(
        f"--workdir={workdir}", "--task=2", f"--input={folder}", f"--output={output}", "--side_by_side"
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert f"Translated {len(inputs) + 1} images with {TASKS[1]}" in completed.stdout
    assert f"Skipped 1 of {len(inputs) + 2} files" in completed.stderr
    assert "broken.png cannot be read as an image" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert sorted(os.listdir(output)) == sorted(
        ["index.html", "pairs", "odd.png"] + [f"test_{i:02d}.png" for i in range(len(inputs))]
    )
    completed = _translate_cli(f"--workdir={workdir}", "--task=toy_edges2bags", f"--input={folder}",
                               f"--output={output}")
    assert completed.returncode == 1
    assert "Unknown task 'toy_edges2bags'" in completed.stderr and "Traceback" not in completed.stderr


@pytest.mark.slow
def test_an_unpaired_run_translates_with_g_and_inverse_with_f(tmp_path, toy_data_dir):
    from hyper_lifelong_gan import config as config_lib
    from hyper_lifelong_gan.training import trainer

    # One task: the sequence's domain classifier (two tasks and more) is not needed.
    train_tiny_run(tmp_path, toy_data_dir, tasks="toy_photo2monet", steps_per_task=1, batch_size=2)
    forward = inference.load_trained(str(tmp_path))
    inverse = inference.load_trained(str(tmp_path), direction="inverse")
    run = forward.run
    cycle = trainer.restore_cycle_generators(
        str(tmp_path), 0, run.method, config_lib.generator_config(run.config))
    z = evaluation.eval_z(cycle)
    images = tf.random.stateless_uniform((1, 32, 32, 3), (2, 0), -1.0, 1.0)
    np.testing.assert_allclose(
        forward.translate(images, 1), cycle.forward(images, task=0, z=z).numpy(), atol=1e-5)
    np.testing.assert_allclose(
        inverse.translate(images, 1), cycle.inverse(images, task=0, z=z).numpy(), atol=1e-5)
    assert np.abs(forward.translate(images, 1) - inverse.translate(images, 1)).max() > 1e-3
