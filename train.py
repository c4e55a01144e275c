"""Train a generator on a sequence of image-to-image tasks, one after another.

    python train.py                      # the built-in toy sequence, a few minutes on a CPU
    python train.py --method=sft         # the same with sequential fine-tuning: see it forget
    python train.py --tasks=cityscapes,maps,facades,edges2handbags   # the paper's sequence
    python train.py --mode=unpaired      # the built-in unpaired sequence (photo -> two styles)

Every flag maps one to one onto a field of `hyper_lifelong_gan.config.TrainConfig`.
Running the same command again resumes the run in --workdir where it stopped.
Results: WORKDIR/results.json, WORKDIR/metrics.jsonl, TensorBoard logs in WORKDIR/tensorboard.
Exit status: 0 when every task is learned, 1 on bad flags or data (or a loss
that became NaN/Inf), 130 when interrupted (Ctrl-C stops at the next safe point
and saves a checkpoint first; a second Ctrl-C stops at once). TensorFlow's C++
start-up logging is shown only with --verbosity.
"""

import dataclasses
import sys

from hyper_lifelong_gan import cli

cli.quiet_tensorflow(sys.argv)

from absl import app, flags, logging  # noqa: E402

from hyper_lifelong_gan import config as config_lib  # noqa: E402
from hyper_lifelong_gan.training.run_control import INTERRUPTED_STATUS as INTERRUPTED  # noqa: E402
from hyper_lifelong_gan.training.run_control import TrainingInterrupted  # noqa: E402

_CHOICES = config_lib.CHOICES


def _extra_help(name):
    if name == "tasks":
        from datasets import tasks as task_registry

        return " " + task_registry.TASKS_HELP
    if name == "method":
        from hyper_lifelong_gan.methods import METHODS

        return " One of: " + "; ".join(f"{m.name} ({m.description})" for m in METHODS.values()) + "."
    return ""


def define_flags():
    """One flag per TrainConfig field, with the field's help text."""
    for field in dataclasses.fields(config_lib.TrainConfig):
        help_text = field.metadata["help"] + _extra_help(field.name)
        default = field.default
        if field.name in _CHOICES:
            flags.DEFINE_enum(field.name, default, _CHOICES[field.name], help_text)
        elif field.type in (bool, "bool"):
            flags.DEFINE_boolean(field.name, default, help_text)
        elif field.type in (int, "int"):
            flags.DEFINE_integer(field.name, default, help_text)
        elif field.type in (float, "float"):
            flags.DEFINE_float(field.name, default, help_text)
        else:
            flags.DEFINE_string(field.name, default, help_text)


define_flags()
FLAGS = flags.FLAGS


def config_from_flags():
    return config_lib.TrainConfig(
        **{field.name: FLAGS[field.name].value for field in dataclasses.fields(config_lib.TrainConfig)}
    )


def main(argv):
    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # TFDS logs every dataset it opens at INFO
    try:
        config = config_lib.validate(config_from_flags())  # before anything is written
    except config_lib.InvalidConfig as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    from datasets.tasks import DatasetError
    from hyper_lifelong_gan.training import trainer

    try:
        results = trainer.train(config)
    except (config_lib.InvalidConfig, DatasetError, FloatingPointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except trainer.tf.errors.UnavailableError:  # --strategy=multi_worker: a peer stopped answering
        print(
            "error: another worker of the cluster stopped answering (TF_CONFIG); "
            "run the same command again on every worker to resume from the last checkpoint.",
            file=sys.stderr,
        )
        return 1
    except (KeyboardInterrupt, TrainingInterrupted):  # before the loop (which saves and returns)
        print("Interrupted; run the same command again to resume.", file=sys.stderr)
        return INTERRUPTED
    # Stopped by Ctrl-C inside the loop: the checkpoint is saved; a non-zero status
    # keeps `train.py && evaluate.py` from going on with a half-trained run.
    return 0 if len(results["params"]) == len(results["tasks"]) else INTERRUPTED


if __name__ == "__main__":
    app.run(main, flags_parser=cli.flags_parser("train.py"))
