"""Runs train.py (as `python train.py ARGS`) and SIGKILLs it at one chosen moment,
for tests/test_reliability.py. The moment is the environment's KILL_AT:

    step:N        after the N-th training step of this invocation
    save:N        in the N-th checkpoint save, after its files are written and before
                  the checkpoint state records it
    evaluate:N    in the end-of-task evaluation, when it opens its N-th test stream
    json:N        in the N-th write of a .json file, between its temporary file and the rename
    (unset)       nowhere: a plain run
"""

import os
import runpy
import signal
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def die():
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def kill_on_call(owner, name, count, when=lambda *args, **kwargs: True):
    original = getattr(owner, name)
    calls = []

    def wrapper(*args, **kwargs):
        if when(*args, **kwargs):
            calls.append(1)
            if len(calls) == count:
                die()
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def kill_after_step(count):
    from hyper_lifelong_gan.training.steps import PairedTaskStep

    original = PairedTaskStep.__call__
    calls = []

    def step(self, *args):
        values = original(self, *args)
        {name: float(value) for name, value in values.items()}  # the step has run
        calls.append(1)
        if len(calls) == count:
            die()
        return values

    PairedTaskStep.__call__ = step


def install(kill_at):
    if not kill_at:
        return
    point, count = kill_at.split(":")
    count = int(count)
    if point == "step":
        kill_after_step(count)
    elif point == "save":
        from tensorflow.python.checkpoint import checkpoint_management

        kill_on_call(checkpoint_management.CheckpointManager, "_record_state", count)
    elif point == "evaluate":
        from datasets import pipeline

        kill_on_call(pipeline, "make_dataset", count, when=lambda task, split, *a, **k: split == "test")
    elif point == "json":
        kill_on_call(os, "replace", count, when=lambda source, target, *a, **k: str(target).endswith(".json"))
    else:
        raise SystemExit(f"unknown KILL_AT {kill_at!r}")


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    os.chdir(ROOT)
    sys.argv = [os.path.join(ROOT, "train.py"), *sys.argv[1:]]
    install(os.environ.get("KILL_AT", ""))
    runpy.run_path(sys.argv[0], run_name="__main__")
