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

Locks. `fcntl.flock` on a lock file: the kernel releases it when the process
ends, however it ends, so a lock left by a killed process is simply taken over.
"""

import contextlib
import errno
import fcntl
import os
import signal
import threading
import time

from hyper_lifelong_gan import config as config_lib

INTERRUPTED_STATUS = 130  # the shell's status for a command stopped by Ctrl-C
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


def _read_pid(fd):
    for _ in range(20):  # the holder writes its pid right after taking the lock
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 64).decode(errors="replace").strip()
        if text:
            return text
        time.sleep(0.01)
    return "unknown"


def _write_pid(fd):
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, f"{os.getpid()}\n".encode())


def _open_lock(path):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


def _try_lock(fd):
    """Takes the exclusive lock of `fd` if it is free; False if another process holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise
        return False
    return True


@contextlib.contextmanager
def workdir_lock(workdir):
    """Holds WORKDIR/.lock for the block; another live holder is refused in one sentence.

    Raises:
        WorkdirBusy: another process holds the lock.
    """
    fd = _open_lock(os.path.join(workdir, WORKDIR_LOCK))
    try:
        if not _try_lock(fd):
            raise WorkdirBusy(
                f"{workdir} is in use by another training process (pid {_read_pid(fd)}); wait for it "
                "to finish (or stop it), or choose another --workdir."
            )
        _write_pid(fd)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def exclusive(path, waiting_message=None, stream=None):
    """Holds the lock file `path` for the block, waiting for another holder to finish.

    `waiting_message(pid)`, if given, is printed once when the lock is busy.
    """
    fd = _open_lock(path)
    try:
        if not _try_lock(fd):
            if waiting_message is not None:
                import sys

                print(waiting_message(_read_pid(fd)), file=stream or sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        _write_pid(fd)
        yield
    finally:
        os.close(fd)
