"""Ctrl-C is honoured at every moment of a run: data preparation, a step, logging,
checkpoint writing, the end-of-task evaluation; and a resumed run then does every
step exactly once.

The SIGINT is real (sent to this process at that moment); the trainer runs in
this process, eagerly (the control flow is the point; test_cli.py interrupts the
real command in graph mode).
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import tensorflow as tf
from test_resume import logged_steps, tiny_config

from datasets import pipeline
from hyper_lifelong_gan.training import run_control, trainer
from hyper_lifelong_gan.training.logging_utils import MetricsLog
from hyper_lifelong_gan.training.steps import PairedTaskStep


def ctrl_c():
    os.kill(os.getpid(), signal.SIGINT)


def interrupt_on_call(monkeypatch, owner, name, call=1, swallow=False):
    """Sends SIGINT at the `call`-th call of `owner.name` (then makes the call). With
    `swallow`, the call's own code catches the KeyboardInterrupt, as library code may."""
    original = getattr(owner, name)
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            if swallow:
                try:
                    ctrl_c()
                    for _ in range(1000):  # give Python bytecodes to raise in
                        pass
                except KeyboardInterrupt:
                    pass
            else:
                ctrl_c()
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def latest_checkpoint_step(workdir, task):
    reader = tf.train.load_checkpoint(str(workdir / "checkpoints" / f"task_{task}"))
    return int(reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"))


def test_ctrl_c_at_every_moment_stops_with_a_checkpoint_and_resumes_exactly(tmp_path, toy_data_dir, run_eagerly):
    config = tiny_config(tmp_path, toy_data_dir, log_every=2, checkpoint_every=3)
    previous_handler = signal.getsignal(signal.SIGINT)

    # During data preparation: stops at once, and nothing pins the workdir's flags.
    with pytest.MonkeyPatch.context() as patch:
        interrupt_on_call(patch, pipeline, "prepare_builder")
        with pytest.raises((KeyboardInterrupt, run_control.TrainingInterrupted)):
            trainer.train(config)
    assert not (tmp_path / "run_config.json").exists()

    # In a step (the signal arrives inside the step's native code): stops after it.
    with pytest.MonkeyPatch.context() as patch:
        interrupt_on_call(patch, PairedTaskStep, "__call__", call=2)
        results = trainer.train(config)
    assert results["params"] == [] and logged_steps(tmp_path) == [(0, 2)]
    assert latest_checkpoint_step(tmp_path, 0) == 2

    # While logging (metrics.jsonl): the line is written, then the run stops.
    with pytest.MonkeyPatch.context() as patch:
        interrupt_on_call(patch, MetricsLog, "write")
        trainer.train(config)
    assert logged_steps(tmp_path) == [(0, 2), (0, 4)]
    assert latest_checkpoint_step(tmp_path, 0) == 4

    # While writing a checkpoint (task 1's last): the save completes, then the run stops.
    with pytest.MonkeyPatch.context() as patch:
        interrupt_on_call(patch, tf.train.CheckpointManager, "save")
        trainer.train(config)
    assert latest_checkpoint_step(tmp_path, 0) == 6
    assert not (tmp_path / "progress.json").exists()

    # In the end-of-task evaluation, inside code that swallows the KeyboardInterrupt:
    # the flag still stops the run before the next task.
    with pytest.MonkeyPatch.context() as patch:
        calls = interrupt_on_call(patch, trainer.PairedMode, "evaluate", swallow=True)
        results = trainer.train(config)
    assert calls and results["params"] == []
    assert not (tmp_path / "progress.json").exists()

    # The same command finishes the run; every step ran exactly once, in order.
    results = trainer.train(config)
    assert logged_steps(tmp_path) == [(task, step) for task in range(2) for step in (2, 4, 6)]
    assert json.loads((tmp_path / "progress.json").read_text()) == {"completed_tasks": 2}
    assert len(results["params"]) == 2
    assert signal.getsignal(signal.SIGINT) is previous_handler  # the trainer put the handler back


SECOND_CTRL_C = """
import os, signal, time
from hyper_lifelong_gan.training.run_control import INTERRUPT
INTERRUPT.install()
with INTERRUPT.deferred():
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.2)
    assert INTERRUPT.requested
    print("first Ctrl-C noted", flush=True)
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
print("not reached", flush=True)
"""


def test_a_second_ctrl_c_stops_at_once_with_status_130():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    completed = subprocess.run([sys.executable, "-c", SECOND_CTRL_C], capture_output=True, text=True,
                               timeout=60, cwd=root)
    assert completed.returncode == 130, completed.stderr
    assert completed.stdout == "first Ctrl-C noted\n"
    assert "Ctrl-C: saving a checkpoint after this step" in completed.stderr
    assert "Second Ctrl-C: stopping now" in completed.stderr


@pytest.mark.parametrize("script, flags, sentence", [
    ("train.py", [], "Interrupted; run the same command again to resume."),
    ("evaluate.py", [], "Interrupted; run the same command again to evaluate."),
    ("translate.py", ["--task=1", "--input=in.png", "--output=translated"],
     "Interrupted; run the same command again to translate."),
    ("export.py", ["--output=exported"], "Interrupted; run the same command again to export."),
])
def test_ctrl_c_while_tensorflow_imports_ends_in_one_sentence(tmp_path, script, flags, sentence):
    # One second in, the command is still importing TensorFlow (or, on a fast machine,
    # just past it): either way a Ctrl-C ends it with its sentence and status 130.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    workdir = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, os.path.join(root, script), f"--workdir={workdir}", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )
    time.sleep(1.0)
    assert process.poll() is None, process.communicate()  # still starting: the signal is not too late
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and stdout == ""
    assert [line for line in stderr.splitlines() if line.strip()] == [sentence]
