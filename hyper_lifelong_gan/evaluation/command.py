"""Evaluates training runs and writes their reports: what `evaluate.py` does, as a library.

    from hyper_lifelong_gan.evaluation import command
    evaluations = command.evaluate_runs(
        ["runs/hyper_lifelong_gan", "runs/sft"], metrics=("fid", "acc"),
        fid_features="classifier")

See the package's docstring (`hyper_lifelong_gan.evaluation`) for the metrics and
the files written.
"""

import dataclasses
import os
import sys

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.evaluation.classifier import CLASSIFIER_BATCH_SIZE, CLASSIFIER_STEPS, SharedClassifiers
from hyper_lifelong_gan.evaluation.outputs import save_outputs_of_run
from hyper_lifelong_gan.evaluation.reports import (
    FIGURES_DIR,
    REPORT_FILE,
    TENSORBOARD_DIR,
    RunEvaluation,
    comparison_table,
    run_report_text,
    write_figures,
    write_report_html,
    write_tensorboard,
)
from hyper_lifelong_gan.evaluation.runs import (
    EvaluationError,
    classifier_domains,
    discover_runs,
    final_means,
    load_run,
    parse_classifier_tasks,
    parse_metrics,
    run_names,
    stage_params,
    update_results,
)
from hyper_lifelong_gan.evaluation.scores import check_feature_space, evaluate_run, fid_feature_function
from hyper_lifelong_gan.metrics import fid

__all__ = ["EvaluationError", "evaluate_runs"]


def evaluate_runs(
    workdirs,
    metrics=("fid", "acc"),
    *,
    fid_features=fid.FeatureSpace.INCEPTION,
    inception_weights=None,
    eval_examples=0,
    classifier_steps=CLASSIFIER_STEPS,
    classifier_batch_size=CLASSIFIER_BATCH_SIZE,
    stream=None,
    log_stream=None,
    save_outputs=False,
    classifier_tasks=None,
):
    """Evaluates training runs, writes their reports, and prints the tables.

    Every input is checked before any heavy work, so a bad workdir, an unknown
    metric or missing Inception weights fail in seconds.

    Args:
        workdirs: train.py workdirs; each becomes one column of the comparison.
        metrics: a subset of `runs.METRICS`, or a comma-separated string of them.
        fid_features: 'inception' (FID on Keras' ImageNet InceptionV3, not the paper's
            FID reference network: see `outputs.save_outputs_of_run`) or 'classifier' (the
            offline alternative, reported as fid_classifier).
        inception_weights: a file of InceptionV3's no-top ImageNet weights, if not
            in Keras' cache.
        eval_examples: test examples per task; 0 means the whole test split.
        classifier_steps, classifier_batch_size: training of the domain classifier.
        stream: where the tables go (default stdout).
        log_stream: where progress lines go (default stderr).
        save_outputs: also write every task's generated and real test images to
            <workdir>/outputs (`outputs.save_outputs_of_run`), for the standard FID tools.
        classifier_tasks: a task sequence (comma-separated) whose domain classifier
            scores Acc instead of the run's own sequence; it must include the run's
            tasks. A single-task run needs it (the paper's Table 1).

    Returns:
        A `RunEvaluation` per workdir, in order.

    Raises:
        EvaluationError: a bad input, in one sentence.
        fid.InceptionWeightsUnavailable: FID on Inception features without weights.
    """
    stream = stream or sys.stdout
    log_stream = log_stream or sys.stderr

    def log(line):
        print(line, file=log_stream, flush=True)

    metrics = parse_metrics(metrics)
    check_feature_space(fid_features)
    if eval_examples < 0:
        raise EvaluationError(f"--eval_examples must be >= 0 (0 means all); got {eval_examples}.")
    if not workdirs:
        workdirs, unfinished = discover_runs()
        if not workdirs:
            raise EvaluationError(
                f"No --workdir given and no run with a learned task under {config_lib.RUNS_ROOT}/ "
                "(where train.py writes by default); pass --workdir=FOLDER of a train.py run."
            )
        log(f"No --workdir given: evaluating the {len(workdirs)} run(s) under "
            f"{config_lib.RUNS_ROOT}/: {', '.join(workdirs)}"
            + (f" (skipped, no task learned yet: {', '.join(unfinished)})" if unfinished else "")
            + ".")
    unique = list(dict.fromkeys(os.path.normpath(workdir) for workdir in workdirs))
    runs = [load_run(workdir) for workdir in unique]
    classifier_sequence = parse_classifier_tasks(classifier_tasks)
    domains = {run.workdir: classifier_domains(run, classifier_sequence) if classifier_sequence else None
               for run in runs}
    wants_fid = "fid" in metrics
    on_inception = fid_features == fid.FeatureSpace.INCEPTION
    # Built before any heavy work: without weights this fails in seconds.
    inception = None
    if wants_fid and on_inception:
        inception = fid_feature_function(fid_features, inception_weights)
    matrix_metrics = [name for name in metrics if name != "params"]
    classifiers = SharedClassifiers(classifier_steps, classifier_batch_size, log)

    names = run_names(runs)
    evaluations = []
    for run, name in zip(runs, names):
        classifier = None
        if "acc" in metrics or (wants_fid and not on_inception):
            classifier = classifiers.get(run, classifier_sequence)
        features = None
        if wants_fid:
            features = inception or fid_feature_function(fid_features, classifier=classifier)
        matrices, means, figures = {}, {}, {}
        if matrix_metrics:
            matrices, final_generators = evaluate_run(
                run, matrix_metrics, eval_examples=eval_examples, classifier=classifier,
                fid_features=features, log=log, domains=domains[run.workdir],
            )
            means = final_means(matrices)
        params = stage_params(run) if "params" in metrics else None
        if save_outputs:
            save_outputs_of_run(run, eval_examples, log)
        update_results(run, matrices, params, eval_examples, features[1] if features else None,
                       classifier_sequence)
        if matrices:
            config = dataclasses.replace(run.config, eval_examples=eval_examples)
            figures, grids = write_figures(run, final_generators, matrices, config)
            write_tensorboard(run, matrices, means, grids, figures)
        evaluations.append(RunEvaluation(
            run=run, name=name, matrices=matrices, means=means, params=params,
            eval_examples=eval_examples, figures=figures,
            report_path=os.path.join(run.workdir, REPORT_FILE) if matrices else None,
        ))

    table = comparison_table(evaluations) if any(e.means for e in evaluations) else ""
    for run_evaluation in evaluations:
        if run_evaluation.matrices:  # --metrics=params alone leaves an earlier report as it is
            with open(run_evaluation.report_path, "w") as report_file:
                report_file.write(run_report_text(run_evaluation, table))
            write_report_html(run_evaluation, table)
        # On the terminal the comparison table is printed once, after every run's matrices.
        print(run_report_text(run_evaluation, table=""), file=stream)
    if table:
        print("Mean over tasks after the last task (paper Tables 4 and 6):\n", file=stream)
        print(table, file=stream)
        for run_evaluation in evaluations:
            print(f"Report: {run_evaluation.report_path}; figures in "
                  f"{os.path.join(run_evaluation.run.workdir, FIGURES_DIR)}; TensorBoard: "
                  f"{os.path.join(run_evaluation.run.workdir, TENSORBOARD_DIR)}.", file=stream)
    stream.flush()
    return evaluations

