"""Shared state is locked: a busy workdir refuses a second run (naming the holder's
pid), a lock left by a killed process is taken over, and two processes preparing
the same new dataset take turns (the second reuses the first's result) and leave
no TFDS temporary folder behind."""

import os
import signal
import subprocess
import sys
import time

import pytest
from datasets_fixtures import write_pix2pix_folder
from test_resume import tiny_config

from datasets import pipeline
from datasets import tasks as task_registry
from hyper_lifelong_gan.training import run_control, trainer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HOLD_WORKDIR = """
import sys, time
from hyper_lifelong_gan.training.run_control import workdir_lock
with workdir_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(120)
"""

PREPARE = """
import sys
from datasets import pipeline, tasks
task = tasks.parse_tasks(sys.argv[1])[0]
pipeline.prepare_builder(task, sys.argv[2])
print("examples", pipeline.num_examples(task, "train", sys.argv[2]), flush=True)
"""


def python(code, *args, **kwargs):
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, text=True, **kwargs)


def test_a_busy_workdir_is_refused_and_a_killed_holders_lock_is_taken_over(tmp_path, toy_data_dir):
    workdir = tmp_path / "run"
    holder = python(HOLD_WORKDIR, str(workdir), stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(run_control.WorkdirBusy) as raised:
            trainer.train(tiny_config(workdir, toy_data_dir))
        assert str(raised.value).startswith(f"{workdir} is in use by another training process (pid {holder.pid})")
        assert not (workdir / "run_config.json").exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The killed holder's lock file is still there, with its pid; the lock is free.
    assert (workdir / run_control.WORKDIR_LOCK).read_text().strip() == str(holder.pid)
    with run_control.workdir_lock(str(workdir)):
        assert (workdir / run_control.WORKDIR_LOCK).read_text().strip() == str(os.getpid())


def test_two_processes_preparing_one_new_dataset_take_turns_and_leave_no_temp_folders(tmp_path):
    folder = write_pix2pix_folder(tmp_path / "pairs", counts={"train": 3, "test": 2})
    spec, data_dir = f"mine={folder}", str(tmp_path / "tfds")
    temp = tmp_path / "tmp"
    temp.mkdir()
    environment = dict(os.environ, TMPDIR=str(temp))
    # The folder a preparation killed earlier left behind (its process is gone).
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (temp / f"hyper_lifelong_gan-prepare-{gone.pid}-x1y2z3").mkdir()
    task = task_registry.parse_tasks(spec)[0]
    logs = [tmp_path / f"prepare_{index}.log" for index in range(2)]
    # Both start while this test holds the preparation lock, so they meet at it.
    with pipeline.preparation_lock(task, data_dir):
        processes = [
            python(PREPARE, spec, data_dir, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=environment)
            for log in logs
        ]
        deadline = time.monotonic() + 120
        while not all("Waiting for another process" in log.read_text() for log in logs):
            assert all(process.poll() is None for process in processes), [log.read_text()[-2000:] for log in logs]
            assert time.monotonic() < deadline, "the preparations did not reach the lock"
            time.sleep(0.1)
    for process, log in zip(processes, logs):
        assert process.wait(timeout=300) == 0, log.read_text()[-3000:]
        assert "examples 3" in log.read_text()
    assert "Traceback" not in logs[0].read_text() + logs[1].read_text()
    assert os.listdir(temp) == []  # TFDS' tmp*tfds folders were contained and removed, the orphan too
