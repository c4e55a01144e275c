"""Evaluates training runs and writes their reports: what `evaluate.py` does, as a library.

    from hyper_lifelong_gan.evaluation import command
    evaluations = command.evaluate_runs(
        ["runs/hyper_lifelong_gan", "runs/sft"], metrics=("fid", "acc"),
        fid_features="classifier")  # or options=command.EvaluationOptions(...)

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
from hyper_lifelong_gan.workdir import saved_stages

__all__ = ["EvaluationError", "EvaluationOptions", "evaluate_runs"]


@dataclasses.dataclass(frozen=True)
class EvaluationOptions:
    """What to evaluate and how (evaluate.py's flags).

    Attributes:
        metrics: a subset of `runs.METRICS`, or a comma-separated string of them.
        fid_features: 'inception' (FID on Keras' ImageNet InceptionV3, not the paper's
            FID reference network: see `outputs.save_outputs_of_run`) or 'classifier' (the
            offline alternative, reported as fid_classifier).
        inception_weights: a file of InceptionV3's no-top ImageNet weights, if not
            in Keras' cache.
        eval_examples: test examples per task; 0 means the whole test split.
        classifier_steps, classifier_batch_size: training of the domain classifier.
        save_outputs: also write every task's generated and real test images to
            <workdir>/outputs (`outputs.save_outputs_of_run`), for the standard FID tools.
        classifier_tasks: a task sequence (comma-separated) whose domain classifier
            scores Acc instead of the run's own sequence; it must include the run's
            tasks. A single-task run needs it (the paper's Table 1).
    """

    metrics: object = ("fid", "acc")
    fid_features: str = fid.FeatureSpace.INCEPTION
    inception_weights: object = None
    eval_examples: int = 0
    classifier_steps: int = CLASSIFIER_STEPS
    classifier_batch_size: int = CLASSIFIER_BATCH_SIZE
    save_outputs: bool = False
    classifier_tasks: object = None


@dataclasses.dataclass
class _Scoring:
    """What every run of one evaluation shares: the metrics, the Inception features
    (built before any heavy work: without weights this fails in seconds), the
    domain classifiers and the --classifier_tasks sequence."""

    metrics: tuple
    inception: object
    classifiers: object
    classifier_sequence: object

    @property
    def wants_fid(self):
        return "fid" in self.metrics

    @property
    def matrix_metrics(self):
        return [name for name in self.metrics if name != "params"]


def evaluate_runs(workdirs, metrics=("fid", "acc"), *, options=None, stream=None, log_stream=None, **settings):
    """Evaluates training runs, writes their reports, and prints the tables.

    Every input is checked before any heavy work, so a bad workdir, an unknown
    metric or missing Inception weights fail in seconds.

    Args:
        workdirs: train.py workdirs; each becomes one column of the comparison (none:
            every run under `config.RUNS_ROOT`).
        metrics: as `EvaluationOptions.metrics` (used when `options` is not given).
        options: an `EvaluationOptions`; or give its fields as keyword `settings`.
        stream: where the tables go (default stdout).
        log_stream: where progress lines go (default stderr).

    Returns:
        A `RunEvaluation` per workdir, in order.

    Raises:
        EvaluationError: a bad input, in one sentence.
        fid.InceptionWeightsUnavailable: FID on Inception features without weights.
    """
    options = options or EvaluationOptions(metrics=metrics, **settings)
    stream = stream or sys.stdout
    log_stream = log_stream or sys.stderr

    def log(line):
        print(line, file=log_stream, flush=True)

    scoring = _prepare_scoring(options, log)
    runs = [load_run(workdir) for workdir in _workdirs(workdirs, log)]
    domains = {run.workdir: classifier_domains(run, scoring.classifier_sequence) if scoring.classifier_sequence
               else None for run in runs}
    evaluations = [
        evaluate_one_run(run, name, scoring, options, domains[run.workdir], log)
        for run, name in zip(runs, run_names(runs))
    ]
    write_reports(evaluations, stream)
    return evaluations


def _prepare_scoring(options, log):
    """Checks the options and builds what every run shares (`_Scoring`)."""
    metrics = parse_metrics(options.metrics)
    check_feature_space(options.fid_features)
    if options.eval_examples < 0:
        raise EvaluationError(f"--eval_examples must be >= 0 (0 means all); got {options.eval_examples}.")
    classifier_sequence = parse_classifier_tasks(options.classifier_tasks)
    inception = None
    if "fid" in metrics and options.fid_features == fid.FeatureSpace.INCEPTION:
        inception = fid_feature_function(options.fid_features, options.inception_weights)
    classifiers = SharedClassifiers(options.classifier_steps, options.classifier_batch_size, log)
    return _Scoring(metrics, inception, classifiers, classifier_sequence)


def _workdirs(workdirs, log):
    """The workdirs given, each once; with none, every run under `config.RUNS_ROOT`."""
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
    return list(dict.fromkeys(os.path.normpath(workdir) for workdir in workdirs))


def evaluate_one_run(run, name, scoring, options, domains, log):
    """Fills one run's matrices, updates its results.json and writes its figures and
    TensorBoard summaries; returns its `RunEvaluation` (the report comes later, with
    the comparison of every run)."""
    metrics, eval_examples = scoring.metrics, options.eval_examples
    on_inception = options.fid_features == fid.FeatureSpace.INCEPTION
    classifier = None
    if "acc" in metrics or (scoring.wants_fid and not on_inception):
        classifier = scoring.classifiers.get(run, scoring.classifier_sequence)
    features = None
    if scoring.wants_fid:
        features = scoring.inception or fid_feature_function(options.fid_features, classifier=classifier)
    matrices, means, figures = {}, {}, {}
    if scoring.matrix_metrics:
        matrices, final_generators = evaluate_run(
            run, scoring.matrix_metrics, eval_examples=eval_examples, classifier=classifier,
            fid_features=features, log=log, domains=domains,
        )
        keep_recorded_rows(run, matrices, eval_examples, log)
        mark_partial_rows(run, matrices)
        means = final_means(matrices)
    params = stage_params(run) if "params" in metrics else None
    if options.save_outputs:
        save_outputs_of_run(run, eval_examples, log)
    update_results(run, matrices, params, eval_examples, features[1] if features else None,
                   scoring.classifier_sequence)
    if matrices:
        config = dataclasses.replace(run.config, eval_examples=eval_examples)
        figures, grids = write_figures(run, final_generators, matrices, config)
        write_tensorboard(run, matrices, means, grids, figures)
    return RunEvaluation(
        run=run, name=name, matrices=matrices, means=means, params=params,
        eval_examples=eval_examples, figures=figures,
        report_path=os.path.join(run.workdir, REPORT_FILE) if matrices else None,
    )


def keep_recorded_rows(run, matrices, eval_examples, log):
    """Rows of stages whose generators the run did not keep (--keep_stages) cannot be
    evaluated again; they keep what the trainer recorded in results.json where it
    measured the same metric on the same test examples, and stay None otherwise."""
    dropped = [stage for stage in range(run.completed) if stage not in saved_stages(run.workdir)]
    if not dropped:
        return
    recorded = run.results.get("metrics", {})
    same_examples = run.config.eval_examples == eval_examples
    for key, matrix in matrices.items():
        rows = recorded.get(key) if same_examples else None
        for stage in dropped:
            if rows and stage < len(rows):
                matrix[stage] = list(rows[stage])
    log(f"{run.workdir}: the generators after task(s) {', '.join(str(stage + 1) for stage in dropped)} were not "
        "kept (--keep_stages); their rows hold what the trainer recorded, where it measured the metric.")


def mark_partial_rows(run, matrices):
    """Lists in results["partial_rows"] (as the trainer does) the rows with a cell at or
    below the diagonal that holds no value: a task not evaluated at that stage."""
    partial = sorted({
        stage for matrix in matrices.values() for stage, row in enumerate(matrix)
        if any(value is None for value in row[: stage + 1])
    })
    run.results.pop("partial_rows", None)
    if partial:
        run.results["partial_rows"] = partial


def write_reports(evaluations, stream):
    """Every run's report.md and report.html (with the comparison of all runs), and
    the tables on `stream`."""
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
