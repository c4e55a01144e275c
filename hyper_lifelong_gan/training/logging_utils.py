"""Progress with ETA on the terminal, one JSON line per logged step, TensorBoard."""

import json
import os
import sys
import time


def format_duration(seconds):
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"


class Progress:
    """A one-line progress bar with throughput and ETA of the whole run.

    On a terminal the line is redrawn in place; otherwise (CI, a log file) one line
    is printed per update, so the log stays readable.
    """

    def __init__(self, total_steps, done_steps=0, stream=None, width=24):
        self.total_steps = total_steps
        self.start_done = done_steps
        self.done = done_steps
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()

    def eta_seconds(self):
        elapsed = time.monotonic() - self.started
        rate = (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0
        return (self.total_steps - self.done) / rate if rate > 0 else float("nan")

    def update(self, done, label, extra=""):
        self.done = done
        fraction = done / self.total_steps if self.total_steps else 1.0
        filled = int(round(fraction * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        eta = self.eta_seconds()
        eta_text = "?" if eta != eta else format_duration(eta)
        line = f"{label} [{bar}] {fraction:6.1%} {extra} ETA {eta_text}"
        if self.interactive:
            self.stream.write("\r" + line.ljust(110))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self):
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()


class MetricsLog:
    """Appends one JSON object per logged step to WORKDIR/metrics.jsonl."""

    def __init__(self, path):
        self.path = path

    def write(self, record):
        with open(self.path, "a") as stream:
            stream.write(json.dumps(record, sort_keys=True) + "\n")


def write_json_atomically(path, payload):
    """Writes JSON so that a crash never leaves a half-written file behind."""
    temporary = f"{path}.tmp"
    with open(temporary, "w") as stream:
        json.dump(payload, stream, indent=2)
        stream.write("\n")
    os.replace(temporary, path)
