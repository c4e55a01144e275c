"""Export a trained run as one artifact that serves every task it has learned.

    python export.py --workdir=runs/hyper_lifelong_gan --format=saved_model --output=exported/hlgan
    python export.py --workdir=runs/hyper_lifelong_gan --format=keras --output=exported/hlgan.keras
    python export.py --workdir=runs/hyper_lifelong_gan --format=tflite --output=exported/hlgan.tflite

The generators of the run right after task --stage (default: the last learned task)
with the fixed noise evaluate.py uses baked in. Images are float32 in [-1, 1],
shape [batch, height, width, 3].

saved_model: a folder loadable with tf.saved_model.load alone (no need for this
  project): a signature translate_<task>(images) -> {translated} per task and
  serving_default(images, task) -> {translated}, task an int32 0-based index into
  the model's task_names; any height and width >= 8 (padded to a multiple of 4 by
  mirroring and cropped back).
keras: a .keras file of a TaskTranslator, called as model(images, task=j) (j
  0-based); loading it needs this project importable (its layers are custom).
tflite: a float32 TF Lite model, one signature translate_<task> per task (or only
  --task), for a batch of one image of the run's image size.

The artifact's size on disk is printed.
"""

import os
import sys

from hyper_lifelong_gan import cli

cli.stop_on_ctrl_c("Interrupted; run the same command again to export.")  # status 130, at any moment
cli.quiet_tensorflow(sys.argv, import_now=False)  # --help and flag errors need no TensorFlow

from absl import app, flags  # noqa: E402

from hyper_lifelong_gan import config as config_lib  # noqa: E402
from hyper_lifelong_gan.serving_choices import DIRECTIONS, FORMATS  # noqa: E402

flags.DEFINE_string("workdir", None, "The workdir of a train.py run.")
flags.DEFINE_enum("format", FORMATS[0], list(FORMATS), "What to write: saved_model, keras or tflite.")
flags.DEFINE_string(
    "output", None,
    "Where to write: a new folder (saved_model), a file ending in .keras (keras) or a file (tflite).",
)
flags.DEFINE_integer(
    "stage", None, "Export the model right after learning task N (1-based); default: after the last learned task."
)
flags.DEFINE_string(
    "task", None, "tflite only: export this one task (name or 1-based number) instead of every learned task."
)
flags.DEFINE_enum(
    "direction", DIRECTIONS[0], list(DIRECTIONS),
    "forward: the tasks' direction (G of an unpaired run); inverse: target -> input with F (unpaired runs only).",
)
flags.DEFINE_bool("overwrite", False, "Replace --output if it exists.")
FLAGS = flags.FLAGS
# The allowed values of the flags above (config.py's rules, one sentence per failure).
FLAG_RULES = {"stage": config_lib.POSITIVE_INT}


def flag_errors():
    """The first problem with the flags, as one sentence, or None."""
    if not FLAGS.workdir:
        return "--workdir is required: the folder of a train.py run."
    if not FLAGS.output:
        return "--output is required: where to write the exported model."
    problem = config_lib.flag_problem(FLAGS.flag_values_dict(), FLAG_RULES)
    if problem:
        return problem
    if FLAGS.format == "keras" and not FLAGS.output.endswith(".keras"):
        return f"--format=keras needs an --output ending in .keras; got {FLAGS.output}."
    if FLAGS.task is not None and FLAGS.format != "tflite":
        return "--task applies to --format=tflite only; the other formats serve every learned task."
    if os.path.exists(FLAGS.output) and not FLAGS.overwrite:
        return f"--output={FLAGS.output} exists; choose another path or pass --overwrite."
    if os.path.isdir(FLAGS.output) and not os.path.isfile(os.path.join(FLAGS.output, "saved_model.pb")):
        return f"--output={FLAGS.output} is a folder that holds no SavedModel; --overwrite replaces only an export."
    return None


def main(argv):
    del argv  # cli.flags_parser refuses positional arguments
    if not cli.begin(flag_errors()):
        return 1
    import shutil

    from hyper_lifelong_gan import inference, serving

    output = FLAGS.output
    try:
        trained = inference.load_trained(FLAGS.workdir, FLAGS.stage, FLAGS.direction)
        tasks = None if FLAGS.task is None else [trained.task_index(FLAGS.task)]
        if os.path.isdir(output):
            shutil.rmtree(output)
        elif os.path.exists(output):
            os.remove(output)
        parent = os.path.dirname(os.path.abspath(output))
        os.makedirs(parent, exist_ok=True)
        if FLAGS.format == "saved_model":
            serving.export_saved_model(trained, output)
        elif FLAGS.format == "keras":
            serving.export_keras(trained, output)
        else:
            serving.export_tflite(trained, output, tasks)
    except inference.EvaluationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: cannot write {output} ({error.strerror or error}).", file=sys.stderr)
        return 1
    names = trained.task_names if tasks is None else [trained.task_names[index] for index in tasks]
    size = serving.artifact_bytes(output)
    print(
        f"Exported {FLAGS.format} of {trained.run.method.name} (model after task {trained.stage}, "
        f"{FLAGS.direction}; tasks: {', '.join(names)}) to {output}: "
        f"{serving.format_bytes(size)} ({size:,} bytes)."
    )
    return 0


if __name__ == "__main__":
    app.run(main, flags_parser=cli.flags_parser("export.py"))
