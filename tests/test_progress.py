"""reporting.progress: the one-line progress with the caller's numbers and the ETA."""

import io

from hyper_lifelong_gan.reporting.progress import Progress, format_duration


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_log_gets_one_line_per_update_with_the_bar_the_numbers_and_the_eta():
    stream = io.StringIO()
    progress = Progress(100, done_steps=10, stream=stream)
    progress.update(30, "task 1/4 toy_a", "G 1.234 D 0.500 distill 0.0000 52 img/s", eta=190.0)
    progress.update(100, "task 4/4 toy_d", "G 0.900 D 0.400 distill 0.0100 60 img/s", eta=0.0)
    progress.close()
    assert stream.getvalue().splitlines() == [
        "task 1/4 toy_a [#######-----------------]  30.0%, G 1.234 D 0.500 distill 0.0000 52 img/s ETA 3m10s",
        "task 4/4 toy_d [########################] 100.0%, G 0.900 D 0.400 distill 0.0100 60 img/s ETA 0m00s",
    ]


def test_a_terminal_line_is_redrawn_in_place_and_ended_at_close():
    stream = _Terminal()
    progress = Progress(10, stream=stream)
    progress.update(5, "images", "5 written, 0 skipped", eta=3725.0)
    progress.update(10, "images", "10 written, 0 skipped", eta=0.0)
    progress.close()
    text = stream.getvalue()
    assert "\n" not in text[:-1] and text.endswith("\n")  # one line, redrawn with \r
    assert "images [############------------]  50.0%, 5 written, 0 skipped ETA 1h02m05s" in text
    assert text.rstrip().endswith("images [########################] 100.0%, 10 written, 0 skipped ETA 0m00s")


def test_without_an_eta_the_mean_rate_gives_one():
    stream = io.StringIO()
    progress = Progress(10, stream=stream)
    progress.started -= 4.0  # as if 4 s went by
    progress.update(2, "images", "2 written")
    assert stream.getvalue().rstrip().endswith("2 written ETA 0m16s")  # 0.5 steps/s, 8 steps left
    assert format_duration(59.9) == "0m59s" and format_duration(-3) == "0m00s"
