"""File locks: `fcntl.flock` on a lock file, which the kernel releases when the
process ends, however it ends, so a lock left by a killed process is simply taken
over. Used by the training run's workdir lock and by data preparation, so it
lives below both."""

import contextlib
import errno
import fcntl
import os
import sys
import time


def read_pid(fd):
    """The pid the lock's holder wrote into it, or "unknown"."""
    for _ in range(20):  # the holder writes its pid right after taking the lock
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 64).decode(errors="replace").strip()
        if text:
            return text
        time.sleep(0.01)
    return "unknown"


def write_pid(fd):
    """Records this process as the holder (read by `read_pid` of a refused process)."""
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, f"{os.getpid()}\n".encode())


def open_lock(path):
    """A descriptor of the lock file `path`, created with its folder if missing."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


def try_lock(fd):
    """Takes the exclusive lock of `fd` if it is free; False if another process holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise
        return False
    return True


@contextlib.contextmanager
def exclusive(path, waiting_message=None, stream=None):
    """Holds the lock file `path` for the block, waiting for another holder to finish.

    `waiting_message(pid)`, if given, is printed once when the lock is busy.
    """
    fd = open_lock(path)
    try:
        if not try_lock(fd):
            if waiting_message is not None:
                print(waiting_message(read_pid(fd)), file=stream or sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        write_pid(fd)
        yield
    finally:
        os.close(fd)
