"""A run killed with SIGKILL at random moments, and rerun with the same command each
time, ends with the results of a run that was never interrupted.

The real train.py runs (tests/kill_train.py kills it at a chosen moment: after a
random step, inside a checkpoint save between its files and its state record,
inside the end-of-task evaluation, between a .json file's temporary copy and its
rename), plus one kill from outside after a random delay. Tiny sizes, 2 tasks, no
XLA: 7 invocations of the command, ~65 CPU-seconds.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = 6
KILLED = -signal.SIGKILL


def command(workdir, data_dir):
    return [
        sys.executable, os.path.join(ROOT, "tests", "kill_train.py"),
        "--tasks=toy_labels2street,toy_photo2warm", f"--steps_per_task={STEPS}", "--batch_size=2",
        "--image_size=32", "--ngf=4", "--n_blocks=1", "--ndf=8", "--log_every=1", "--checkpoint_every=2",
        "--eval_examples=8", "--jit_compile=false", f"--workdir={workdir}", f"--data_dir={data_dir}",
    ]


def run(workdir, data_dir, kill_at="", kill_after_s=None):
    """(status, output) of one invocation."""
    log = workdir.parent / f"{workdir.name}.log"
    environment = dict(os.environ, KILL_AT=kill_at)
    with open(log, "a") as output:
        output.write(f"\n===== KILL_AT={kill_at!r} kill_after_s={kill_after_s}\n")
        output.flush()
        process = subprocess.Popen(command(workdir, data_dir), stdout=output, stderr=subprocess.STDOUT,
                                   env=environment, cwd=ROOT)
        if kill_after_s is not None:
            try:
                process.wait(timeout=kill_after_s)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
        status = process.wait(timeout=600)
    return status, log.read_text()


def completed_tasks(workdir):
    path = workdir / "progress.json"
    return json.loads(path.read_text())["completed_tasks"] if path.exists() else 0


@pytest.mark.slow
def test_sigkill_at_random_moments_then_rerun_gives_the_uninterrupted_results(tmp_path, toy_data_dir):
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    context = f"(random seed {seed}; logs in {tmp_path})"

    reference = tmp_path / "reference"
    started = time.monotonic()
    status, output = run(reference, toy_data_dir)
    one_run_s = time.monotonic() - started
    assert status == 0, output[-3000:]

    workdir = tmp_path / "killed"
    # In order: a step of task 1, a checkpoint save, task 1's end-of-task evaluation,
    # a .json write (results.json or progress.json), and one kill from outside at a
    # random time (task 2, or already the start-up or the end).
    kills = [
        dict(kill_at=f"step:{rng.randint(1, STEPS - 1)}"),
        dict(kill_at=f"save:{rng.randint(1, 2)}"),
        dict(kill_at="evaluate:1"),
        dict(kill_at=f"json:{rng.randint(1, 2)}"),
        dict(kill_after_s=rng.uniform(0.3, 0.9) * one_run_s),
    ]
    for kill in kills:
        status, output = run(workdir, toy_data_dir, **kill)
        if status == 0:  # the run ended before the moment came (only the last, timed kill)
            assert "kill_after_s" in kill, f"{kill} did not happen {context}\n{output[-3000:]}"
            break
        assert status == KILLED, f"{kill}: status {status} {context}\n{output[-3000:]}"
    status, output = run(workdir, toy_data_dir)
    assert status == 0, f"the rerun failed {context}\n{output[-3000:]}"
    assert completed_tasks(workdir) == 2

    expected = json.loads((reference / "results.json").read_text())
    assert json.loads((workdir / "results.json").read_text()) == expected, context
