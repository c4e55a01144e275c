"""Long sequences train in a fresh process every few tasks.

Every task builds a new training step for a model with one more task, and the
TensorFlow runtime keeps what it traced and compiled for each (XLA's executables
above all) until its process ends, whatever Python lets go of (TensorFlow issue
#124972). Measured on the toy tasks without XLA, a task's step left about 105 MB
behind at task 10 and 250 MB at task 100 (it grows with the model; about 450 MB a task
with XLA). A hundred tasks in one process would need tens of GB. So `train.py` runs a
sequence longer than `TASKS_PER_PROCESS` as a parent that starts itself again, one
child process per block of tasks: each child resumes the run from its workdir,
exactly as a second invocation of the same command would (the runs are resumable
at every task boundary by design), learns tasks and exits.

A block ends after `TASKS_PER_PROCESS` tasks, or earlier, at the end of a task,
once the child's resident memory has grown by more than its budget since it
started (`BLOCK_GROWTH_MB`, or the environment variable `BLOCK_GROWTH_ENV`; where
the resident size cannot be read, blocks are ten tasks). What a process holds is
then bounded by the budget and one task's growth, the same at task 100 as at task
10, instead of ten tasks' growth, which grows with the model. A new process costs
a few seconds (importing TensorFlow and restoring the last stage).

The child is told where to stop at the latest by the environment variable
`STOP_AFTER_ENV` (the number of tasks learned when it should exit). A
multi-worker run stays in one process per worker: its workers must start and stop
together.

Ctrl-C reaches the child (the same process group), which saves and exits with
status 130; the parent then stops too. A Ctrl-C that the child saw only after its
last task (it then exits 0) is honoured by the parent before the next block.
"""

import os
import signal
import subprocess
import sys

from hyper_lifelong_gan.cli import INTERRUPTED_STATUS
from hyper_lifelong_gan.config import InvalidConfig
from hyper_lifelong_gan.training.distributed import tf_config_cluster
from hyper_lifelong_gan.workdir import completed_tasks

# At most this many tasks per process: sequences up to this long train in one
# process, as they always did.
TASKS_PER_PROCESS = 10
STOP_AFTER_ENV = "HYPER_LIFELONG_GAN_STOP_AFTER_TASKS"
# A child ends its block at the end of a task once it has grown by this much (MB).
BLOCK_GROWTH_MB = 1536
BLOCK_GROWTH_ENV = "HYPER_LIFELONG_GAN_BLOCK_GROWTH_MB"


def stop_after_tasks():
    """In a child: the number of tasks learned at which it stops; None otherwise."""
    value = os.environ.get(STOP_AFTER_ENV)
    return int(value) if value else None


def resident_mb():
    """This process' resident memory in MB (Linux' /proc/self/statm), or None where it
    cannot be read."""
    try:
        with open("/proc/self/statm") as stream:
            pages = int(stream.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class BlockMemory:
    """A child's memory budget: made when the child starts; `full()` after each task
    says whether its block should end there (the process has grown by more than
    `budget_mb`). `retired_after` is the number of tasks learned when it first said so."""

    def __init__(self, budget_mb=None):
        if budget_mb is None:
            value = os.environ.get(BLOCK_GROWTH_ENV) or str(BLOCK_GROWTH_MB)
            try:
                budget_mb = float(value)
            except ValueError:
                raise InvalidConfig(f"{BLOCK_GROWTH_ENV}={value} is not a number of MB; set it to one "
                                    "(for example 1536) or unset it.") from None
        self.budget_mb = budget_mb
        self.start_mb = resident_mb()
        self.grown_mb = 0.0
        self.retired_after = None

    def full(self, learned):
        now = resident_mb()
        if now is None or self.start_mb is None:
            return False
        self.grown_mb = now - self.start_mb
        if self.grown_mb > self.budget_mb:
            self.retired_after = learned
            return True
        return False


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
    child's that is not 0, 130 for a Ctrl-C, else 0. A child learns at most
    `TASKS_PER_PROCESS` tasks, fewer where its memory budget ends its block."""
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
            learned = completed_tasks(workdir)
            if learned >= num_tasks:
                return 0
            if learned <= done:
                print(f"error: the process that trained tasks {done + 1}-{stop} exited without learning them; "
                      "run the same command again to resume.", file=stream, flush=True)
                return 1
            if interrupted:
                print(f"Interrupted after task {learned} of {num_tasks}; its results are saved. "
                      "Run the same command again to resume.", file=stream, flush=True)
                return INTERRUPTED_STATUS
            print(f"Tasks {learned + 1}-{min(num_tasks, learned + TASKS_PER_PROCESS)} of {num_tasks} go on in a "
                  f"new process (TensorFlow keeps what it compiled for each task until its process ends).",
                  file=stream, flush=True)
    finally:
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
