"""Long sequences train in a fresh process every `TASKS_PER_PROCESS` tasks.

Every task builds a new training step for a model with one more task, and the
TensorFlow runtime keeps what it compiled for each (XLA's executables above all)
until its process ends: on the toy tasks the process grew by about 450 MB a task
with XLA and 130 MB without, whatever Python let go of. A hundred tasks in one
process would need tens of GB. So `train.py` runs a sequence longer than
`TASKS_PER_PROCESS` as a parent that starts itself again, one child process per
block of tasks: each child resumes the run from its workdir, exactly as a second
invocation of the same command would (the runs are resumable at every task
boundary by design), learns the tasks up to the end of its block and exits. What a
process keeps is then bounded by one block's tasks (it still grows within a block, by
more as the model grows: docs/many_tasks.md).

The child is told where to stop by the environment variable `STOP_AFTER_ENV` (the
number of tasks learned when it should exit). A multi-worker run stays in one
process per worker: its workers must start and stop together.

Ctrl-C reaches the child (the same process group), which saves and exits with
status 130; the parent then stops too. A Ctrl-C that the child saw only after its
last task (it then exits 0) is honoured by the parent before the next block.
"""

import os
import signal
import subprocess
import sys

from hyper_lifelong_gan.cli import INTERRUPTED_STATUS
from hyper_lifelong_gan.training.distributed import tf_config_cluster
from hyper_lifelong_gan.workdir import completed_tasks

# A block of this many tasks per process: sequences up to this long train in one
# process, as they always did; the first block's growth (about 4.5 GB on the toy
# tasks with XLA) bounds every later block's.
TASKS_PER_PROCESS = 10
STOP_AFTER_ENV = "HYPER_LIFELONG_GAN_STOP_AFTER_TASKS"


def stop_after_tasks():
    """In a child: the number of tasks learned at which it stops; None otherwise."""
    value = os.environ.get(STOP_AFTER_ENV)
    return int(value) if value else None


def trains_in_processes(config, num_tasks):
    """Whether `train.py` should train `config`'s sequence of `num_tasks` tasks in
    blocks of `TASKS_PER_PROCESS`, one process each (not inside a child, and not
    across several workers)."""
    # `distributed.make_strategy` picks multi_worker for auto where TF_CONFIG names a cluster.
    multi_worker = config.strategy == "multi_worker" or (config.strategy == "auto" and tf_config_cluster())
    return num_tasks > TASKS_PER_PROCESS and stop_after_tasks() is None and not multi_worker


def train_in_processes(argv, workdir, num_tasks, stream=None):
    """Runs `argv` (this `train.py` command) once per block of tasks until all
    `num_tasks` are learned; returns the exit status for the command: the first
    child's that is not 0, 130 for a Ctrl-C, else 0."""
    stream = stream or sys.stderr
    command = [sys.executable, os.path.abspath(argv[0]), *argv[1:]]
    interrupted, children = [], []

    def forward(signum, frame):  # a SIGTERM for the command is one for the child that trains
        if children:
            children[-1].send_signal(signum)

    previous_handlers = {
        signal.SIGINT: signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum)),
        signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
    }
    try:
        while True:
            done = completed_tasks(workdir)
            stop = min(num_tasks, done + TASKS_PER_PROCESS)
            children.append(subprocess.Popen(command, env={**os.environ, STOP_AFTER_ENV: str(stop)}))
            status = children[-1].wait()
            if status:
                return 128 - status if status < 0 else status  # a signal's number as the shell gives it
            if stop >= num_tasks:
                return 0
            if completed_tasks(workdir) < stop:
                print(f"error: the process that trained tasks {done + 1}-{stop} exited without learning them; "
                      "run the same command again to resume.", file=stream, flush=True)
                return 1
            if interrupted:
                print(f"Interrupted after task {stop} of {num_tasks}; its results are saved. "
                      "Run the same command again to resume.", file=stream, flush=True)
                return INTERRUPTED_STATUS
            print(f"Tasks {stop + 1}-{min(num_tasks, stop + TASKS_PER_PROCESS)} of {num_tasks} go on in a new "
                  f"process (TensorFlow keeps what it compiled for each task until its process ends).",
                  file=stream, flush=True)
    finally:
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
