"""Every continual-learning method on one task sequence, side by side (paper Table 4).

    python -m hyper_lifelong_gan.experiments.comparison          # all 6 methods, built-in sequence
    python -m hyper_lifelong_gan.experiments.comparison --methods=sft,hyper_lifelong_gan --quick   # smoke run
    python -m hyper_lifelong_gan.experiments.comparison --tasks=cityscapes,maps,facades,edges2handbags \\
        --out_dir=runs/paper_comparison                          # the paper's sequence, paper sizes

Each method trains through the trainer's public entry point, `trainer.train`, in
OUT_DIR/<method> (its results.json, checkpoints and TensorBoard logs are there).
Running the same command again resumes an unfinished method where it stopped and
skips finished ones, so the table can be rebuilt at no cost, e.g. after
`evaluate.py` added Acc/FID to the results.json files (those rows then appear too).

The table (OUT_DIR/comparison.md and .json, also printed) has one column per
method and per metric the mean over all tasks after the last task, the mean
forgetting over the earlier tasks, and the generator parameters after the last
task.

Default length (`--steps_per_task` on the built-in sequence). At toy sizes (32 px,
ngf 16, 2 blocks, batch 8), measured in CPU time on a 2-core CPU: a step costs
~0.09 s for SFT, Full and Hyper-Full in every task; for the distilling methods it
grows with the tasks to distil (Hyper-LifelongGAN 0.09, 0.12, 0.20, 0.30 s in tasks
1-4). On top, each method pays ~125-220 s that do not depend on the step count
(building and tracing each task's step graph, evaluating every learned task after
each task): ~1000 s of the six methods' time is fixed cost, mostly single-threaded
Python, which is why two methods train at once on a CPU (`--parallel`).
DEFAULT_TOY_STEPS_PER_TASK = 300 (6 epochs of each task's 400 training images,
enough for SFT's forgetting and Hyper-LifelongGAN's lack of it to stand out) made
the whole comparison cost 1,776 s of CPU time, i.e. ~15 min of wall time on an
otherwise idle 2-core CPU (~28 min estimated with --parallel=1); measured wall time
on a 2-core machine shared with other jobs (load average ~9): 39.7 min. `train.py`
alone defaults to 400 steps per task. Every other size comes from the trainer's
defaults (toy sizes for the built-in sequence, the paper's otherwise, where the
trainer's 20000 steps per task apply unless --steps_per_task is given).
"""

import dataclasses
import math
import os
import sys
import time

if __name__ == "__main__":  # before TensorFlow is imported (by the methods, below)
    from hyper_lifelong_gan import cli

    cli.quiet_tensorflow(sys.argv)

from hyper_lifelong_gan import cli  # noqa: E402
from hyper_lifelong_gan import config as config_lib  # noqa: E402
from hyper_lifelong_gan.experiments.method_facts import TABLE_4_ORDER as METHOD_ORDER  # noqa: E402
from hyper_lifelong_gan.methods import METHODS  # noqa: E402
from hyper_lifelong_gan.metrics.facts import DECIMALS, HIGHER_IS_BETTER, PERCENT_METRICS  # noqa: E402
from hyper_lifelong_gan.metrics.forgetting import mean_forgetting  # noqa: E402
from hyper_lifelong_gan.reporting import tables  # noqa: E402

DEFAULT_OUT_DIR = "runs/comparison"
QUICK_OUT_DIR = "runs/comparison_quick"
DEFAULT_TOY_STEPS_PER_TASK = 300
# --quick: a smoke run of the whole pipeline in about a minute per method.
QUICK_OVERRIDES = dict(
    steps_per_task=2, batch_size=2, image_size=32, ngf=4, n_blocks=1, ndf=8, eval_examples=4, log_every=1,
)
# Rows, in the paper's order (Acc, FID first) then the reconstruction metrics.
METRIC_ORDER = ("acc", "fid", "fid_classifier", "l1", "psnr", "ssim")
MISSING = "-"


def parse_methods(spec):
    """'all' or 'a,b' -> method names in the paper's column order; a clear error otherwise."""
    if spec.strip() == "all":
        return list(METHOD_ORDER)
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in METHODS]
    if unknown or not names:
        raise config_lib.InvalidConfig(
            f"Unknown --methods {', '.join(unknown) or spec!r}; use 'all' or a comma-separated list of: "
            f"{', '.join(METHOD_ORDER)}."
        )
    return [name for name in METHOD_ORDER if name in names] + [name for name in names if name not in METHOD_ORDER]


def with_defaults(config):
    """`config` with the comparison's default length where the user gave none."""
    if config.steps_per_task is not None or config.epochs_per_task is not None:
        return config
    from datasets import builtin as builtin_tasks
    from datasets import tasks as task_registry

    names = config.tasks.split(",") if config.tasks else list(builtin_tasks.PAIRED_TASKS)
    toy = all(task.name.startswith("toy_") for task in task_registry.parse_tasks(",".join(names)))
    return dataclasses.replace(config, steps_per_task=DEFAULT_TOY_STEPS_PER_TASK) if toy else config


def method_config(config, method, out_dir):
    return dataclasses.replace(config, method=method, workdir=os.path.join(out_dir, method))


def _finished(workdir, num_tasks):
    from hyper_lifelong_gan import workdir as workdir_lib

    learned = workdir_lib.completed_tasks(workdir) >= num_tasks
    return learned and os.path.exists(os.path.join(workdir, workdir_lib.RESULTS))


def default_parallel():
    """How many methods train at once: 1 on a GPU (a TensorFlow process takes all of
    its memory), else 2 on a CPU with at least 2 cores (see the module docstring)."""
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def _train_logged(config, log_path):
    """One method's `trainer.train` with its progress in `log_path` (a worker process)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from absl import logging

    from hyper_lifelong_gan.training import trainer

    logging.set_verbosity(logging.WARNING)
    started = time.monotonic()
    with open(log_path, "a") as log:
        results = trainer.train(config, log_stream=log)
    return results, time.monotonic() - started


def run_methods(config, methods, out_dir, log_stream=None, parallel=1):
    """Trains every method in OUT_DIR/<method>, skipping finished ones (`run_configs`).

    Returns {method: {"results": results dict, "status": "trained" | "skipped",
    "seconds": wall time of this invocation}}, in the order of `methods`.
    """
    return run_configs({method: method_config(config, method, out_dir) for method in methods}, log_stream, parallel)


def run_configs(configs, log_stream=None, parallel=1):
    """Trains each labelled config of `configs` ({label: TrainConfig}, one task
    sequence for all) in its own workdir, skipping finished ones.

    With `parallel` > 1, up to that many train at once, each in a process of its own
    (spawned, so TensorFlow starts clean) logging to <workdir>/comparison.log;
    otherwise they train one after another in this process, logging to `log_stream`
    (this process then keeps what each run traced: for many long runs, use
    `parallel` > 1 or one invocation per run).

    Returns {label: {"results": results dict, "status": "trained" | "skipped",
    "seconds": wall time of this invocation}}, in the order of `configs`. A finished
    run made with other flags is refused (`workdir.ConfigMismatch`), as `train.py` would.
    """
    import keras

    from hyper_lifelong_gan import workdir as workdir_lib
    from hyper_lifelong_gan.training import trainer

    def say(text):
        print(f"[comparison] {text}", file=log_stream, flush=True)

    runs, pending = {}, []
    for label, config in configs.items():
        prepared, tasks, _ = workdir_lib.prepare_config(config)
        if _finished(prepared.workdir, len(tasks)):
            workdir_lib.check_or_write_run_config(prepared)
            results = workdir_lib.load_json(os.path.join(prepared.workdir, workdir_lib.RESULTS), None)
            runs[label] = {"results": results, "status": "skipped", "seconds": 0.0}
            say(f"{label}: finished in {prepared.workdir}, skipped.")
        else:
            pending.append((label, prepared, len(tasks)))
    if pending:  # once, here: parallel workers would prepare the same dataset at once
        trainer.prepare_data(tasks, pending[0][1])

    def finish(label, results, seconds, num_tasks):
        if len(results["params"]) < num_tasks:  # interrupted (Ctrl-C): resumable, stop here
            raise KeyboardInterrupt(f"{label} was interrupted; run the same command again to resume.")
        runs[label] = {"results": results, "status": "trained", "seconds": seconds}
        say(f"{label}: trained in {seconds:.0f} s.")

    if parallel > 1 and len(pending) > 1:
        import concurrent.futures
        import multiprocessing

        from hyper_lifelong_gan.methods import get_method

        # Distilling methods take longest (their later tasks run extra generator passes): start them first.
        pending.sort(key=lambda item: not get_method(item[1].method).distills)
        context = multiprocessing.get_context("spawn")
        # A fresh process for every run: TensorFlow keeps what a process traced until it ends,
        # so a worker reused for run after run grows with each (and ran out of memory on toy10).
        with concurrent.futures.ProcessPoolExecutor(max_workers=parallel, mp_context=context,
                                                    max_tasks_per_child=1) as pool:
            futures = {}
            for label, prepared, num_tasks in pending:
                os.makedirs(prepared.workdir, exist_ok=True)
                log_path = os.path.join(prepared.workdir, "comparison.log")
                futures[pool.submit(_train_logged, prepared, log_path)] = (label, num_tasks)
                say(f"{label}: queued ({parallel} train at once); progress in {log_path}.")
            for future in concurrent.futures.as_completed(futures):
                label, num_tasks = futures[future]
                results, seconds = future.result()
                finish(label, results, seconds, num_tasks)
    else:
        for label, prepared, num_tasks in pending:
            say(f"{label}: training in {prepared.workdir}.")
            started = time.monotonic()
            results = trainer.train(prepared, log_stream=log_stream)
            keras.backend.clear_session()
            finish(label, results, time.monotonic() - started, num_tasks)
    return {label: runs[label] for label in configs}


# ------------------------------------------------------------------------- the table


def _known(value):
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _mean(values):
    values = [float(v) for v in values if _known(v)]
    return sum(values) / len(values) if values else None


def final_mean(matrix):
    """Mean over all tasks of the last row: every task's metric after the last task."""
    return _mean(matrix[-1]) if matrix else None


def summarize(results):
    """{row key: value} of one method's results.json: '<metric>' (final mean),
    '<metric>_forgetting', 'params' (after the last task)."""
    summary = {}
    for metric in METRIC_ORDER:
        matrix = results["metrics"].get(metric)
        if not matrix or not any(_known(v) for row in matrix for v in row):
            continue
        summary[metric] = final_mean(matrix)
        summary[f"{metric}_forgetting"] = mean_forgetting(metric, matrix)
    summary["params"] = results["params"][-1] if results["params"] else None
    return summary


def comparison_table(runs):
    """The JSON-ready comparison of `run_methods`' output: columns, rows and values."""
    summaries = {method: summarize(run["results"]) for method, run in runs.items()}
    metrics = [m for m in METRIC_ORDER if any(m in summary for summary in summaries.values())]
    rows = metrics + [f"{m}_forgetting" for m in metrics] + ["params"]
    any_results = next(iter(runs.values()))["results"]
    return {
        "tasks": any_results["tasks"],
        "columns": list(runs),
        "rows": rows,
        "values": {method: {row: summaries[method].get(row) for row in rows} for method in runs},
        "status": {method: run["status"] for method, run in runs.items()},
        "seconds": {method: round(run["seconds"], 1) for method, run in runs.items()},
    }


def row_label(row):
    if row == "params":
        return "Generator params after last task"
    if row.endswith("_forgetting"):
        metric = row[: -len("_forgetting")]
        return f"{tables.metric_label(metric)} forgetting"
    direction = "higher" if HIGHER_IS_BETTER[row] else "lower"
    return f"{tables.metric_label(row)} ({direction} is better)"


def format_cell(row, value):
    if not _known(value):
        return MISSING
    if row == "params":
        return f"{value:,} ({value / 1e6:.2f}M)"
    metric = row[: -len("_forgetting")] if row.endswith("_forgetting") else row
    if metric in PERCENT_METRICS:
        value *= 100.0
    return f"{value:+.{DECIMALS[metric]}f}" if row.endswith("_forgetting") else f"{value:.{DECIMALS[metric]}f}"


def markdown(table):
    header = ["Metric"] + table["columns"]
    lines = [
        f"# Comparison on {', '.join(table['tasks'])}",
        "",
        f"Mean over the {len(table['tasks'])} tasks after learning the last one (the layout of the paper's "
        "Table 4); forgetting: mean over the earlier tasks of how much each got worse from just after "
        "learning it to the end (positive = forgotten); Acc in percent. The full task-by-stage "
        "matrices are in each method's results.json.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in table["rows"]:
        cells = [format_cell(row, table["values"][method][row]) for method in table["columns"]]
        lines.append("| " + " | ".join([row_label(row)] + cells) + " |")
    if "config" in table:
        steps = table["config"]["steps_per_task"]
        skipped = [method for method, status in table["status"].items() if status == "skipped"]
        lines += ["", f"Steps per task: {steps or 'the trainer default'}. This command ran "
                  f"{table['total_seconds'] / 60:.1f} min, training {table['parallel']} method(s) at once"
                  + (f"; finished earlier, not retrained: {', '.join(skipped)}." if skipped else ".")]
    return "\n".join(lines) + "\n"


def write(table, out_dir):
    """Writes OUT_DIR/comparison.md and OUT_DIR/comparison.json; returns the paths."""
    return tables.write_markdown_and_json(out_dir, "comparison", markdown(table), table)


def compare(config, methods=METHOD_ORDER, out_dir=DEFAULT_OUT_DIR, log_stream=None, parallel=None):
    """Trains (or reuses) every method, writes the table, returns it.

    Args:
        config: a `TrainConfig`; its `method` and `workdir` are replaced per method,
            and a None `steps_per_task` gets the comparison's default.
        methods: method names (columns, in this order).
        out_dir: each method runs in OUT_DIR/<method>; the table goes to OUT_DIR.
        parallel: methods trained at once (separate processes); None: `default_parallel()`.
    """
    config = with_defaults(config)
    parallel = default_parallel() if parallel is None else parallel
    started = time.monotonic()
    runs = run_methods(config, list(methods), out_dir, log_stream, parallel)
    table = comparison_table(runs)
    table["total_seconds"] = round(time.monotonic() - started, 1)
    table["parallel"] = parallel
    table["config"] = {name: value for name, value in dataclasses.asdict(config).items() if name not in _NOT_FLAGS}
    write(table, out_dir)
    print(markdown(table), file=log_stream or sys.stdout, flush=True)
    return table


# --------------------------------------------------------------------------- the CLI

# Set per method by the comparison itself.
_NOT_FLAGS = ("method", "workdir")


def define_flags(flag_values=None):
    """--methods, --out_dir, --quick, and one flag per TrainConfig field (default: the
    trainer's), in `flag_values` (absl's global FLAGS by default); returns it."""
    from absl import flags

    flag_values = flags.FLAGS if flag_values is None else flag_values
    flags.DEFINE_string(
        "methods", "all", "'all' or a comma-separated list of: " + ", ".join(METHOD_ORDER) + ".",
        flag_values=flag_values,
    )
    flags.DEFINE_string(
        "out_dir", None,
        f"Each method runs in OUT_DIR/<method>; comparison.md/.json go to OUT_DIR "
        f"(default {DEFAULT_OUT_DIR}, with --quick {QUICK_OUT_DIR}).",
        flag_values=flag_values,
    )
    flags.DEFINE_integer(
        "parallel", 0,
        "Methods trained at once, each in its own process; 0: 2 on a CPU with 2+ cores, 1 on a GPU.",
        flag_values=flag_values,
    )
    flags.DEFINE_boolean(
        "quick", False,
        "Smoke run: " + ", ".join(f"{k}={v}" for k, v in QUICK_OVERRIDES.items()) + " (explicit flags win).",
        flag_values=flag_values,
    )

    def help_text(field):
        text = field.metadata["help"] + " Default: the trainer's"
        if field.name == "steps_per_task":
            text += f", except {DEFAULT_TOY_STEPS_PER_TASK} on the built-in sequence (see the module docstring)"
        return text + "."

    cli.define_config_flags(flag_values, skip=_NOT_FLAGS, default=lambda field: None, help_text=help_text)
    return flag_values


def config_from_flags(flag_values):
    """The TrainConfig the flags describe: the trainer's defaults, then --quick, then explicit flags."""
    return cli.config_from_flags(flag_values, skip=_NOT_FLAGS, base=QUICK_OVERRIDES if flag_values.quick else None)


def main(argv):
    from absl import logging

    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)
    try:  # every flag, before anything is written or downloaded
        config_lib.check_flag("parallel", FLAGS.parallel, config_lib.NON_NEGATIVE_INT)
        config = config_lib.validate(config_from_flags(FLAGS))
        methods = parse_methods(FLAGS.methods)
    except config_lib.InvalidConfig as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    from datasets.tasks import DatasetError

    out_dir = FLAGS.out_dir or (QUICK_OUT_DIR if FLAGS.quick else DEFAULT_OUT_DIR)
    try:
        compare(config, methods, out_dir, parallel=FLAGS.parallel or None)
    except (config_lib.InvalidConfig, DatasetError, FloatingPointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; run the same command again to resume.", file=sys.stderr)
        return 130
    print(f"Wrote {os.path.join(out_dir, 'comparison.md')} and comparison.json")
    return 0


if __name__ == "__main__":
    from absl import app

    FLAGS = define_flags()
    app.run(main, flags_parser=cli.flags_parser("python -m hyper_lifelong_gan.experiments.comparison"))
