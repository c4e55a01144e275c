"""Translate new images with a trained run, as evaluate.py generates them.

    python translate.py --workdir=runs/hyper_lifelong_gan --task=toy_edges2bags \\
        --input=photos/ --output=translated/
    python translate.py --workdir=runs/hyper_lifelong_gan --task=2 --stage=2 \\
        --input='photos/*.jpg' --output=translated/ --side_by_side

The generator of the run right after task --stage (default: the last learned task)
is applied with the fixed noise evaluate.py uses, so a run's own test inputs give
exactly the outputs its L1/PSNR/SSIM were measured on. Each input FILE becomes
OUTPUT/<its name>.png (8-bit PNG); --side_by_side also writes input | output pairs
to OUTPUT/pairs/; OUTPUT/index.html lists them all. Images of any size: with
--fit=pad (default) an image is translated at its own resolution, padded by
mirroring its bottom and right borders to a multiple of 4 and cropped back; with
--fit=resize it is resized to the run's image size and the output back to the
input's size. Unreadable files are skipped and counted. An unpaired (CycleGAN) run
translates input -> target domain with G, or target -> input with F
(--direction=inverse).
"""

import os
import sys

from hyper_lifelong_gan import cli

cli.stop_on_ctrl_c("Interrupted; run the same command again to translate.")  # status 130, at any moment
cli.quiet_tensorflow(sys.argv, import_now=False)  # --help and flag errors need no TensorFlow

from absl import app, flags  # noqa: E402

from hyper_lifelong_gan import config as config_lib  # noqa: E402
from hyper_lifelong_gan.serving_choices import DIRECTIONS, FITS  # noqa: E402

flags.DEFINE_string("workdir", None, "The workdir of a train.py run.")
flags.DEFINE_string(
    "task", None, "The task to perform: its name (e.g. toy_edges2bags) or its 1-based position in the run's sequence."
)
flags.DEFINE_string(
    "input", None, "An image file, a folder of images (not recursed) or a glob pattern (quote it)."
)
flags.DEFINE_string("output", None, "The folder the translated images and index.html are written to.")
flags.DEFINE_integer(
    "stage", None, "Use the model right after learning task N (1-based); default: after the last learned task."
)
flags.DEFINE_enum(
    "direction", DIRECTIONS[0], list(DIRECTIONS),
    "forward: the task's direction (G of an unpaired run); inverse: target -> input with F (unpaired runs only).",
)
flags.DEFINE_enum(
    "fit", FITS[0], list(FITS),
    "How images whose sides are not multiples of 4 are handled: pad (mirror-pad, translate at their own "
    "resolution, crop back) or resize (to the run's image size and back).",
)
flags.DEFINE_integer("batch_size", 16, "Images translated together (images of one size are batched).")
flags.DEFINE_bool("side_by_side", False, "Also write input | output pairs to OUTPUT/pairs/.")
FLAGS = flags.FLAGS
# The allowed values of the flags above (config.py's rules, one sentence per failure).
FLAG_RULES = {"stage": config_lib.POSITIVE_INT, "batch_size": config_lib.POSITIVE_INT}


def flag_errors():
    """The first problem with the flags, as one sentence, or None."""
    for name, what in (
        ("workdir", "the folder of a train.py run"), ("task", "a task name or number"),
        ("input", "an image file, folder or glob pattern"), ("output", "the folder to write to"),
    ):
        if not getattr(FLAGS, name):
            return f"--{name} is required: {what}."
    problem = config_lib.flag_problem(FLAGS.flag_values_dict(), FLAG_RULES)
    if problem:
        return problem
    if os.path.isfile(FLAGS.output):
        return f"--output={FLAGS.output} is a file; name a folder."
    return None


def main(argv):
    del argv  # cli.flags_parser refuses positional arguments
    if not cli.begin(flag_errors()):
        return 1
    from hyper_lifelong_gan import inference

    try:
        files = inference.input_files(FLAGS.input)
        trained = inference.load_trained(FLAGS.workdir, FLAGS.stage, FLAGS.direction)
        trained.task_index(FLAGS.task)  # an unknown task fails before any work
        summary = inference.translate_files(
            trained, FLAGS.task, files, FLAGS.output, fit=FLAGS.fit, batch_size=FLAGS.batch_size,
            side_by_side=FLAGS.side_by_side,
        )
    except inference.EvaluationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: cannot write to {FLAGS.output} ({error.strerror or error}).", file=sys.stderr)
        return 1
    if summary.skipped:
        print(f"Skipped {len(summary.skipped)} of {len(files)} files:", file=sys.stderr)
        for _, reason in summary.skipped:
            print(f"  {reason}", file=sys.stderr)
    if not summary.written:
        print(f"error: none of the {len(files)} input files could be translated.", file=sys.stderr)
        return 1
    print(
        f"Translated {len(summary.written)} images with {trained.task_names[trained.task_index(FLAGS.task)]} "
        f"(model after task {trained.stage}, {FLAGS.direction}) into {FLAGS.output}; "
        f"{len(summary.skipped)} skipped. Index: {summary.index_path}"
    )
    return 0


if __name__ == "__main__":
    app.run(main, flags_parser=cli.flags_parser("translate.py"))
