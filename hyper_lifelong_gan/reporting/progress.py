"""The one-line progress of a long job: a bar, what the caller reports (losses,
img/s, counts) and the ETA, drawn by tqdm."""

import sys
import time

from tqdm import tqdm

BAR_FORMAT = "{desc} [{bar:24}] {percentage:5.1f}%{postfix}"


def format_duration(seconds):
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"


class Progress:
    """A progress bar of `total_steps`, e.g.

        task 2/4 toy_edges2bags [#########---------------]  37.5%, G 3.1 D 0.4 ... 52 img/s ETA 3m10s

    On a terminal tqdm redraws the line in place; otherwise (CI, a log file) one
    line is printed per update, so the log stays readable. The ETA is the caller's
    (e.g. the trainer's cost model, which expects later tasks to cost more), else
    the mean rate's since this object was made.
    """

    def __init__(self, total_steps, done_steps=0, stream=None):
        self.total_steps = total_steps
        self.start_done = done_steps
        self.done = done_steps
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._bar = None  # the terminal's tqdm, made at the first update (so it never shows an empty label)

    def eta_seconds(self, eta=None):
        """`eta` when given, else the mean rate's; NaN before anything is done."""
        if eta is not None:
            return eta
        elapsed = time.monotonic() - self.started
        rate = (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0
        return (self.total_steps - self.done) / rate if rate > 0 else float("nan")

    def update(self, done, label, extra="", eta=None):
        advanced, self.done = done - self.done, done
        eta = self.eta_seconds(eta)
        postfix = f"{extra} ETA {'?' if eta != eta else format_duration(eta)}".strip()
        if self.interactive:
            if self._bar is None:
                self._bar = tqdm(total=self.total_steps, initial=done, file=self.stream, bar_format=BAR_FORMAT,
                                 ascii="-#", mininterval=0, desc=label, postfix=postfix)
            else:
                self._bar.set_description_str(label, refresh=False)
                self._bar.set_postfix_str(postfix, refresh=False)
                self._bar.update(advanced)
        else:
            line = tqdm.format_meter(done, self.total_steps, time.monotonic() - self.started, prefix=label,
                                     postfix=postfix, bar_format=BAR_FORMAT, ascii="-#")
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
