"""The real command line: one end-to-end run of train.py, and its one-sentence errors."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(*args, timeout=900):
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "train.py"), *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
    )


@pytest.mark.parametrize(
    "flag, message",
    [
        ("--tasks=toy_labels2street,no_such_task", "no_such_task"),
        ("--method=no_such_method", "valid methods are: hyper_lifelong_gan, sft, full"),
    ],
)
def test_unknown_names_get_one_sentence(tmp_path, flag, message):
    completed = run_cli(flag, f"--workdir={tmp_path}", timeout=120)
    assert completed.returncode == 1
    errors = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in completed.stderr


def logged_steps(workdir):
    """(task, step) of every complete line of metrics.jsonl (the run may be writing it)."""
    path = workdir / "metrics.jsonl"
    if not path.exists():
        return []
    lines = [line for line in path.read_text().split("\n")[:-1] if line]
    return [(record["task"], record["step"]) for record in map(json.loads, lines)]


@pytest.mark.slow
def test_train_cli_learns_a_shrunken_builtin_sequence_and_resumes_after_ctrl_c(tmp_path, toy_data_dir):
    tasks = ["toy_labels2street", "toy_photo2warm", "toy_photo2cool"]
    command = [
        f"--tasks={','.join(tasks)}", "--steps_per_task=60", "--ngf=8", "--n_blocks=1", "--log_every=1",
        "--eval_examples=32", f"--workdir={tmp_path}", f"--data_dir={toy_data_dir}",
        "--jit_compile=false",  # four XLA compilations would add a minute; test_xla.py compiles the step
    ]
    # Ctrl-C once the second task has taken a step: a checkpoint is saved, status 130.
    # The SIGINT may arrive anywhere (a step's native code, logging, a checkpoint
    # write); the trainer's handler only sets a flag that the loop reads between
    # steps, so it is never lost (it used to be, now and then, when the
    # KeyboardInterrupt was raised inside code that dropped it).
    # (Output goes to a file: a pipe nobody reads while waiting could fill and stall the run.)
    output_path = tmp_path / "interrupted_run.log"
    with open(output_path, "w") as output:
        process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "train.py"), *command],
            stdout=output, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        )
        deadline = time.monotonic() + 600
        while not any(task == 1 for task, _ in logged_steps(tmp_path)):
            assert process.poll() is None, "the run ended before its second task"
            assert time.monotonic() < deadline, "the second task did not start in 10 minutes"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=300)
    printed = output_path.read_text()
    assert process.returncode == 130, printed[-3000:]
    assert "Ctrl-C: saving a checkpoint after this step" in printed
    assert "Run the same command again to resume" in printed
    assert json.loads((tmp_path / "progress.json").read_text()) == {"completed_tasks": 1}
    stopped_at = logged_steps(tmp_path)[-1]
    assert stopped_at[0] == 1 and stopped_at[1] < 60

    completed = run_cli(*command)  # the same command resumes
    assert completed.returncode == 0, completed.stderr[-3000:]
    # Every step of every task ran exactly once, in order, across the two invocations.
    assert logged_steps(tmp_path) == [(task, step) for task in range(3) for step in range(1, 61)]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["method"] == "hyper_lifelong_gan"
    assert results["tasks"] == tasks
    for name in ("l1", "psnr", "ssim"):
        matrix = results["metrics"][name]
        assert len(matrix) == 3
        for i, row in enumerate(matrix):
            assert len(row) == 3
            assert all(value is not None for value in row[: i + 1])
            assert all(value is None for value in row[i + 1:])
    # Each task adds only its task parts, and the run learned something: L1 of the
    # last task is below that of an untrained generator (~0.5 on these tasks; 0.39
    # measured here after 60 steps).
    params = results["params"]
    assert params[0] < params[1] < params[2] and params[2] - params[1] == params[1] - params[0]
    assert results["metrics"]["l1"][2][2] < 0.45
    # The readable table, one JSON line per logged step, TensorBoard and checkpoints.
    assert "L1: after" in completed.stdout + completed.stderr
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert {"g_total", "distillation", "images_per_second", "learning_rate", "eta_seconds"} <= set(records[-1])
    assert os.listdir(tmp_path / "tensorboard")
    assert sorted(os.listdir(tmp_path / "tasks")) == ["task_0", "task_1", "task_2"]


@pytest.mark.slow
def test_offline_facades_names_the_archive_then_trains_once_it_is_placed_by_hand(tmp_path):
    from datasets_fixtures import gradient_pair_array, write_pix2pix_archive

    from datasets import pix2pix

    url = pix2pix.archive_url("facades")
    if pix2pix.unreachable_reason(url) is None:
        pytest.skip("this machine reaches the pix2pix server; the offline path cannot be shown")
    data_dir = tmp_path / "tfds"
    command = [
        "--tasks=facades", f"--data_dir={data_dir}", f"--workdir={tmp_path / 'run'}", "--steps_per_task=2",
        "--image_size=32", "--ngf=4", "--n_blocks=1", "--ndf=8", "--batch_size=2", "--jit_compile=false",
    ]
    completed = run_cli(*command, timeout=120)
    assert completed.returncode == 1
    errors = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    manual = data_dir / "downloads" / "manual" / "facades.tar.gz"
    assert len(errors) == 1 and url in errors[0] and str(manual) in errors[0]
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "run" / "run_config.json").exists()  # nothing pins the workdir's flags

    write_pix2pix_archive(manual.parent, "facades", pair=gradient_pair_array(32),
                          counts={"train": 4, "val": 2, "test": 2})
    completed = run_cli(*command, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["tasks"] == ["facades"] and len(results["metrics"]["l1"]) == 1
