"""Every flag is checked in one place (config.py's rules) before anything is written
or downloaded; each failure is one sentence naming the flag, the value and what is
allowed; --help exits 0; TensorFlow's C++ start-up logging stays quiet."""

import dataclasses
import os
import subprocess
import sys

import pytest

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.training import trainer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

IMAGE_SIZE_RULE = "a multiple of 4 (the generator downsamples twice) of at least 24 (the PatchGAN's smallest input)"
BAD_VALUES = [
    ("batch_size", 0, "a positive integer"),
    ("log_every", 0, "a positive integer"),
    ("steps_per_task", -5, "a positive integer, or one per task, comma-separated"),
    ("checkpoint_every", 0, "a positive integer"),
    ("K", 0, "a positive integer"),
    ("ngf", 0, "a positive integer"),
    ("learning_rate", -1.0, "a positive number"),
    ("learning_rate", float("nan"), "a positive number"),
    ("eval_examples", -3, "an integer >= 0"),
    ("image_size", 30, IMAGE_SIZE_RULE),
    ("image_size", 20, IMAGE_SIZE_RULE),
    ("adam_beta1", 1.0, "a number in [0, 1)"),
    ("beta", -1.0, "a number >= 0"),
    ("mode", "both", "one of auto, paired, unpaired"),
    ("distill_input", "zeros", "one of auto, swap, unswap, noise"),
]


@pytest.mark.parametrize("name, value, allowed", BAD_VALUES)
def test_a_bad_value_is_one_sentence_naming_flag_value_and_rule(name, value, allowed):
    with pytest.raises(config_lib.InvalidConfig) as raised:
        config_lib.validate(config_lib.TrainConfig(**{name: value}))
    assert str(raised.value) == f"--{name}={value} is not allowed: it must be {allowed}."


def test_every_numeric_field_has_a_rule_and_the_defaults_pass():
    config_lib.validate(config_lib.TrainConfig())
    numeric = [field.name for field in dataclasses.fields(config_lib.TrainConfig)
               if field.type in (int, float, "int", "float")]
    assert [name for name in numeric if name not in config_lib.FLAG_RULES] == []


def test_the_trainer_refuses_bad_flags_before_creating_the_workdir(tmp_path):
    workdir = tmp_path / "run"
    with pytest.raises(config_lib.InvalidConfig, match="--batch_size=0"):
        trainer.train(config_lib.TrainConfig(batch_size=0, workdir=str(workdir)))
    assert not workdir.exists()


def test_a_batch_that_does_not_split_over_the_replicas_is_one_sentence(tmp_path, monkeypatch):
    class TwoReplicas:
        num_replicas_in_sync = 2

    monkeypatch.setattr(trainer, "make_strategy", lambda config: TwoReplicas())
    workdir = tmp_path / "run"
    with pytest.raises(config_lib.InvalidConfig) as raised:
        trainer.train(config_lib.TrainConfig(batch_size=3, workdir=str(workdir)))
    assert str(raised.value) == (
        "--batch_size=3 does not split over the 2 replicas of this run; use a multiple of 2."
    )
    assert not workdir.exists()


def run(script, *args):
    return subprocess.run([sys.executable, os.path.join(ROOT, script), *args],
                          capture_output=True, text=True, timeout=180, cwd=ROOT)


def assert_one_error_line(completed, *fragments):
    assert completed.returncode == 1, completed.stderr[-2000:]
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), completed.stderr  # no TF logging, no help
    for fragment in fragments:
        assert fragment in lines[0]


def test_train_cli_help_exits_0_and_bad_input_gets_one_line(tmp_path):
    completed = run("train.py", "--help")
    assert completed.returncode == 0 and "--steps_per_task" in completed.stdout
    assert completed.stderr.strip() == ""  # TensorFlow's C++ start-up logging is silenced

    workdir = tmp_path / "run"
    assert_one_error_line(run("train.py", "--batch_size=0", f"--workdir={workdir}"), "--batch_size=0")
    assert not workdir.exists()  # a run that did not start writes nothing
    assert_one_error_line(run("train.py", "stray"), "unexpected argument 'stray'")


def test_evaluate_cli_checks_its_flags_before_importing_tensorflow(tmp_path):
    assert_one_error_line(run("evaluate.py", f"--workdir={tmp_path}", "--eval_examples=-1"), "--eval_examples=-1")
    assert_one_error_line(run("evaluate.py", f"--workdir={tmp_path}", "--metrics=fid,speed"), "--metrics=fid,speed")
    completed = run("evaluate.py", "--help")
    assert completed.returncode == 0 and "--metrics" in completed.stdout and completed.stderr == ""


def test_the_shared_helpers_serve_other_commands_flags():
    # What evaluate.py (and translate.py / export.py) use for their own flags.
    rules = {"count": config_lib.POSITIVE_INT, "formats": config_lib.comma_list_of("png", "jpg")}
    config_lib.check_flags({"count": 3, "formats": "png,jpg", "other": -1}, rules)
    with pytest.raises(config_lib.InvalidConfig, match=r"^--formats=png,gif is not allowed: it must be a "
                                                       r"comma-separated list of png, jpg\.$"):
        config_lib.check_flags({"count": 3, "formats": "png,gif"}, rules)
