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

import sys

from hyper_lifelong_gan import cli

INTERRUPTED_SENTENCE = "Interrupted; run the same command again to resume."
cli.stop_on_ctrl_c(INTERRUPTED_SENTENCE)  # status 130, also while TensorFlow imports
cli.quiet_tensorflow(sys.argv, import_now=False)  # --help and flag errors need no TensorFlow

from absl import app, logging  # noqa: E402

from hyper_lifelong_gan import config as config_lib  # noqa: E402
from hyper_lifelong_gan.training.run_control import INTERRUPTED_STATUS as INTERRUPTED  # noqa: E402
from hyper_lifelong_gan.training.run_control import TrainingInterrupted  # noqa: E402


def _help(field):
    """The field's help text, with the list of tasks where it names them."""
    text = field.metadata["help"]
    if field.name == "tasks":
        from datasets import tasks as task_registry

        return text + " " + task_registry.TASKS_HELP
    return text


FLAGS = cli.define_config_flags(help_text=_help)


def main(argv):
    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # TFDS logs every dataset it opens at INFO
    try:
        config = config_lib.validate(cli.config_from_flags(FLAGS))  # before anything is written
    except config_lib.InvalidConfig as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    cli.import_tensorflow()
    from datasets.tasks import DatasetError
    from hyper_lifelong_gan.training import processes, trainer

    stop_after = processes.stop_after_tasks()
    try:
        resolved, tasks, _ = trainer.prepare_config(config)
        if processes.trains_in_processes(resolved, len(tasks)):
            return processes.train_in_processes(sys.argv, resolved.workdir, len(tasks))
        block = processes.BlockMemory() if stop_after is not None else None
        results = trainer.train(config, stop_after_tasks=stop_after, block_full=block and block.full)
    except (config_lib.InvalidConfig, DatasetError, FloatingPointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    # --strategy=multi_worker: a peer stopped answering (a collective's or a heartbeat's deadline, too).
    except (trainer.tf.errors.UnavailableError, trainer.tf.errors.DeadlineExceededError):
        print(
            "error: another worker of the cluster stopped answering (TF_CONFIG); "
            "run the same command again on every worker to resume from the last checkpoint.",
            file=sys.stderr,
        )
        return 1
    except (KeyboardInterrupt, TrainingInterrupted):  # before the loop (which saves and returns)
        print(INTERRUPTED_SENTENCE, file=sys.stderr)
        return INTERRUPTED
    # Stopped by Ctrl-C inside the loop: the checkpoint is saved; a non-zero status
    # keeps `train.py && evaluate.py` from going on with a half-trained run.
    expected = len(results["tasks"]) if stop_after is None else min(stop_after, len(results["tasks"]))
    if block is not None and block.retired_after is not None:  # a block that used up its memory budget
        expected = block.retired_after
        print(f"This process grew by {block.grown_mb:.0f} MB (budget {block.budget_mb:.0f} MB); "
              f"it ends its block after task {expected}.", file=sys.stderr, flush=True)
    return 0 if len(results["params"]) >= expected else INTERRUPTED


if __name__ == "__main__":
    app.run(main, flags_parser=cli.flags_parser("train.py"))
