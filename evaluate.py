"""Evaluate training runs: FID, Acc, L1/PSNR/SSIM and the continual-learning report.

    python evaluate.py --workdir=runs/hyper_lifelong_gan --metrics=fid,acc
    python evaluate.py --workdir=runs/hyper_lifelong_gan --workdir=runs/sft \\
        --metrics=fid,acc,l1,psnr --fid_features=classifier     # offline, ~2 min on a CPU
    python evaluate.py --workdir=runs/sft --metrics=params
    python evaluate.py --metrics=fid,acc      # every run train.py wrote under runs/
    python evaluate.py --workdir=runs/table1_K7 --metrics=fid,acc \\
        --classifier_tasks=cityscapes,maps,facades,edges2handbags   # Acc of a single-task run (Table 1)
    python evaluate.py --workdir=runs/hyper_lifelong_gan --metrics=l1 --save_outputs   # PNGs for FID tools

For every run, the generators saved after each learned task are evaluated on every
task learned so far (test split, fixed noise), which fills the matrices M[i][j] =
metric of task j after learning task i. Results: the matrices in
WORKDIR/results.json, the table of the paper's Tables 4 and 6 (one column per
--workdir) with every matrix in WORKDIR/report.md (and WORKDIR/report.html, the same with
the figures, for a browser), heatmaps and input | output |
target grids in WORKDIR/evaluation/, TensorBoard in WORKDIR/tensorboard/eval.
Running it again gives the same numbers (the domain classifier is cached).
"""

import sys

from hyper_lifelong_gan import cli

cli.stop_on_ctrl_c("Interrupted; run the same command again to evaluate.")  # status 130, at any moment
cli.quiet_tensorflow(sys.argv, import_now=False)  # --help and flag errors need no TensorFlow

from absl import app, flags  # noqa: E402

from hyper_lifelong_gan import config as config_lib  # noqa: E402

flags.DEFINE_multi_string(
    "workdir", None,
    "The workdir of a train.py run; repeat the flag to compare runs (one table column each). "
    "Not given: every run under runs/ (train.py's default workdirs runs/<method>)",
)
flags.DEFINE_string(
    "metrics", "fid,acc",
    "Comma-separated metrics: fid (Frechet distance of generated and real test images), "
    "acc (share of each task's outputs a domain classifier assigns to that task), "
    "l1, psnr, ssim (against the ground truth) and params (generator parameters per stage).",
)
flags.DEFINE_enum(
    "fid_features", "inception", ["inception", "classifier"],
    "Features FID is computed on: inception (pool features of Keras' ImageNet InceptionV3, a "
    "Keras-Inception FID: not the Inception graph of the FID reference code the paper's numbers "
    "come from, so not comparable with Tables 1-4 and 6; for that, run the standard FID tools on "
    "--save_outputs; needs the weights in Keras' cache or --inception_weights) or classifier (the "
    "domain classifier's features, works offline, reported as fid_classifier and not comparable to FID).",
)
flags.DEFINE_string(
    "inception_weights", None,
    "Path to InceptionV3's no-top ImageNet weights "
    "(inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5), if not in Keras' cache.",
)
flags.DEFINE_integer(
    "eval_examples", 0, "Test examples per task to evaluate on; 0 means the whole test split."
)
flags.DEFINE_boolean(
    "save_outputs", False,
    "Also write every task's generated and real test images (after the last learned task) as "
    "PNG files to WORKDIR/outputs/<task>/generated and WORKDIR/outputs/<task>/real, for the "
    "standard FID tools, e.g. python -m pytorch_fid WORKDIR/outputs/<task>/real "
    "WORKDIR/outputs/<task>/generated.",
)
flags.DEFINE_string(
    "classifier_tasks", None,
    "Score Acc with the domain classifier of this comma-separated task sequence instead of the "
    "run's own; it must include the run's tasks. A single-task run needs it: the paper's Table 1 "
    "trains on cityscapes alone and scores it with the classifier of "
    "cityscapes,maps,facades,edges2handbags.",
)
flags.DEFINE_integer(
    "classifier_steps", 300,
    "Training steps of the domain classifier behind acc and classifier-feature FID "
    "(part of its cache key in WORKDIR/domain_classifier).",
)
FLAGS = flags.FLAGS
# The allowed values of the flags above (config.py's rules, one sentence per failure).
FLAG_RULES = {
    "eval_examples": config_lib.NON_NEGATIVE_INT,
    "classifier_steps": config_lib.POSITIVE_INT,
    "metrics": config_lib.comma_list_of("fid", "acc", "l1", "psnr", "ssim", "params"),
}


def main(argv):
    del argv  # cli.flags_parser refuses positional arguments
    if not cli.begin(config_lib.flag_problem(FLAGS.flag_values_dict(), FLAG_RULES)):
        return 1
    from datasets.tasks import DatasetError
    from hyper_lifelong_gan.evaluation import command
    from hyper_lifelong_gan.metrics.fid import InceptionWeightsUnavailable

    try:
        command.evaluate_runs(
            FLAGS.workdir or [],
            FLAGS.metrics,
            fid_features=FLAGS.fid_features,
            inception_weights=FLAGS.inception_weights,
            eval_examples=FLAGS.eval_examples,
            classifier_steps=FLAGS.classifier_steps,
            save_outputs=FLAGS.save_outputs,
            classifier_tasks=FLAGS.classifier_tasks,
        )
    except (command.EvaluationError, InceptionWeightsUnavailable, DatasetError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    app.run(main, flags_parser=cli.flags_parser("evaluate.py"))
