"""What keeps a run in one piece: Ctrl-C honoured at safe points, and file locks.

Ctrl-C. Python turns SIGINT into a `KeyboardInterrupt` at the next bytecode of the
main thread, wherever that is: inside TensorFlow's or TFDS' Python code (which may
catch it), or inside a `__del__` or weakref callback, where Python prints
"Exception ignored" and drops it. A user's Ctrl-C could so be lost, and the run
went on to the end. Here SIGINT only sets a flag (`INTERRUPT`), which the training
loop reads between steps, after logging, after a checkpoint and after the
end-of-task evaluation; the loop then saves a checkpoint and stops. In phases
that may take minutes and leave nothing half-written (data preparation, the
end-of-task evaluation, start-up) the handler also raises `KeyboardInterrupt`
at once; should something swallow it, the flag is still set and the next check
stops the run. A second Ctrl-C stops the process at once (status 130): every file
of a run is written atomically, so the run resumes from its last checkpoint.

Locks. The workdir lock refuses a second training process on the same folder;
the lock primitives (`fcntl.flock`, released by the kernel however the holder
ends) are in `hyper_lifelong_gan.locks`.
"""

import contextlib
import os
import signal
import threading

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan import locks
from hyper_lifelong_gan.cli import INTERRUPTED_STATUS  # noqa: F401 (train.py's exit status too)

WORKDIR_LOCK = ".lock"


class TrainingInterrupted(Exception):
    """Training stopped early on request (Ctrl-C, or a test's step limit)."""


class WorkdirBusy(config_lib.InvalidConfig):
    """Another process is training in the workdir."""


class InterruptFlag:
    """SIGINT as a request that the training loop honours at its next safe point."""

    def __init__(self):
        self.requested = False
        self._deferring = 0
        self._previous = None
        self._installed = False

    def install(self):
        """Handles SIGINT from now on (only the main thread can); True if it did."""
        if self._installed or threading.current_thread() is not threading.main_thread():
            return False
        self._previous = signal.signal(signal.SIGINT, self._handle)
        self._installed = True
        return True

    def uninstall(self):
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    def reset(self):
        self.requested = False

    @contextlib.contextmanager
    def deferred(self):
        """Within this block Ctrl-C only sets the flag (the loop checks it)."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1

    @contextlib.contextmanager
    def abortable(self):
        """Within a deferred block: a phase that Ctrl-C may cut short at once."""
        saved, self._deferring = self._deferring, 0
        try:
            yield
        finally:
            self._deferring = saved

    def check(self):
        """Raises `TrainingInterrupted` if Ctrl-C was pressed."""
        if self.requested:
            raise TrainingInterrupted("Ctrl-C")

    def _handle(self, signum, frame):
        # os.write: the main thread may be inside a write to sys.stderr right now.
        if self.requested:
            os.write(2, b"\nSecond Ctrl-C: stopping now; the same command resumes from the last checkpoint.\n")
            os._exit(INTERRUPTED_STATUS)
        self.requested = True
        if self._deferring:
            os.write(2, b"\nCtrl-C: saving a checkpoint after this step (Ctrl-C again to stop at once).\n")
        else:
            raise KeyboardInterrupt


INTERRUPT = InterruptFlag()


# ------------------------------------------------------------------------------ locks


@contextlib.contextmanager
def workdir_lock(workdir):
    """Holds WORKDIR/.lock for the block; another live holder is refused in one sentence.

    Raises:
        WorkdirBusy: another process holds the lock.
    """
    fd = locks.open_lock(os.path.join(workdir, WORKDIR_LOCK))
    try:
        if not locks.try_lock(fd):
            raise WorkdirBusy(
                f"{workdir} is in use by another training process (pid {locks.read_pid(fd)}); wait for it "
                "to finish (or stop it), or choose another --workdir."
            )
        locks.write_pid(fd)
        yield
    finally:
        os.close(fd)  # releases the lock
