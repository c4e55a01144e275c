"""Writing what an evaluation found: report.md and report.html (tables), heatmaps and
sample grids (figures), TensorBoard; scoring is `scores.py`'s. The pieces (tables,
figures, grids, pages) are the `reporting` package's; this module puts them together."""

import dataclasses
import os

import numpy as np
import tensorflow as tf

from hyper_lifelong_gan.evaluation.generation import sample_rows
from hyper_lifelong_gan.metrics.facts import HIGHER_IS_BETTER, PAIRED_METRICS, PERCENT_METRICS
from hyper_lifelong_gan.reporting import figures, images, pages, tables

REPORT_FILE = "report.md"
REPORT_HTML_FILE = "report.html"
FIGURES_DIR = "evaluation"
TENSORBOARD_DIR = os.path.join("tensorboard", "eval")
GRID_ROWS = 4
# Grid images are enlarged (nearest neighbour, whole pixels) to at least this side,
# so 32-px toy outputs are visible and the column names fit.
GRID_MIN_SIDE = 96


def comparison_table(evaluations):
    """The paper's Table 4/6 layout: metric rows, one column per run (final-stage means)."""
    order = [key for key in ("acc", "fid", "fid_classifier") + PAIRED_METRICS
             if any(key in e.means for e in evaluations)]
    return tables.markdown_table({e.name: e.means for e in evaluations}, metrics_order=order)


def params_line(run, params):
    stages = ", ".join(
        f"after {name} {count / 1e6:.3f}M ({count:,})" for name, count in zip(run.task_names, params)
    )
    return f"Generator parameters of {run.method.name}: {stages}."


def run_report_text(run_evaluation, table):
    """The markdown of one run's report.md: the comparison table, then its matrices."""
    run = run_evaluation.run
    parts = [
        f"# Evaluation of {run.workdir}",
        f"Method {run.method.name}; tasks {', '.join(run.task_names)}; "
        f"{run.completed}/{len(run.tasks)} learned; test examples per task: "
        f"{run_evaluation.eval_examples or 'all'}. Acc in percent; FID (classifier features) is "
        "the Frechet distance on the domain classifier's features, not comparable to Inception FID. "
        "Forgetting is how much worse a task got since it was learned (positive = forgot): "
        "M[j][j] - M[T][j] for Acc, PSNR and SSIM, M[T][j] - M[j][j] for FID and L1; its mean "
        "is over the tasks before the last.",
    ]
    if table:
        parts.append("## Mean over tasks after the last task\n\n" + table.rstrip())
    for key, matrix in run_evaluation.matrices.items():
        table_of_matrix = tables.continual_matrix_table(
            key, run.task_names, _square(matrix, len(run.tasks))
        )
        parts.append(
            f"## {tables.metric_label(key)}: task j after learning task i\n\n"
            + table_of_matrix.rstrip()
        )
    if run_evaluation.params is not None:
        parts.append("## Parameters\n\n" + params_line(run, run_evaluation.params))
    return "\n\n".join(parts) + "\n"


def _square(matrix, num_tasks):
    """The matrix padded with rows of None for the stages not learned yet."""
    return list(matrix) + [[None] * num_tasks for _ in range(num_tasks - len(matrix))]


def write_figures(run, generators, matrices, config):
    """Heatmap per matrix and input | output | target grid per task; returns their paths."""
    folder = os.path.join(run.workdir, FIGURES_DIR)
    os.makedirs(folder, exist_ok=True)
    paths = {}
    for key, matrix in matrices.items():
        path = os.path.join(folder, f"heatmap_{key}.png")
        figures.save_heatmap_png(
            path, _square(matrix, len(run.tasks)), run.task_names,
            f"{tables.metric_label(key)} of {run.method.name}",
            higher_is_better=HIGHER_IS_BETTER[key], percent=key in PERCENT_METRICS,
        )
        paths[f"heatmap_{key}"] = path
    grids = {}
    for task_index, task in enumerate(run.tasks[: run.completed]):
        rows = _enlarged(sample_rows(generators, task, task_index, config, count=GRID_ROWS))
        path = os.path.join(folder, f"samples_{task.name}.png")
        images.save_image_grid_png(path, rows)
        paths[f"samples_{task.name}"] = path
        grids[task.name] = images.image_grid_array(rows)
    return paths, grids


def _enlarged(rows):
    """Grid rows with every image repeated to at least GRID_MIN_SIDE pixels a side."""
    factor = max(1, -(-GRID_MIN_SIDE // rows[0][0].shape[0]))
    return [
        tuple(None if image is None else image.repeat(factor, 0).repeat(factor, 1) for image in row)
        for row in rows
    ]


def write_tensorboard(run, matrices, means, grids, figure_paths):
    """Scalars (step = tasks learned) and images in <workdir>/tensorboard/eval."""
    writer = tf.summary.create_file_writer(os.path.join(run.workdir, TENSORBOARD_DIR))
    with writer.as_default():
        for key, matrix in matrices.items():
            for stage, row in enumerate(matrix):
                known = [value for value in row if value is not None]
                for task_name, value in zip(run.task_names, row):
                    if value is not None:
                        tf.summary.scalar(f"{key}/{task_name}", value, step=stage + 1)
                if known:
                    tf.summary.scalar(f"{key}/mean", float(np.mean(known)), step=stage + 1)
        for key, value in means.items():
            if value is not None:
                tf.summary.scalar(f"final_mean/{key}", value, step=run.completed)
        for task_name, grid in grids.items():
            tf.summary.image(f"samples/{task_name}", grid[None], step=run.completed)
        for name, path in figure_paths.items():
            if name.startswith("heatmap_"):
                with open(path, "rb") as stream:
                    image = tf.io.decode_png(stream.read(), channels=3)
                tf.summary.image(f"heatmaps/{name[len('heatmap_'):]}", image[None], step=run.completed)
    writer.flush()
    writer.close()


def write_report_html(run_evaluation, table):
    """report.html beside report.md: its text and tables, then the heatmaps and sample
    grids, embedded as data URIs so the page opens from disk with no server."""
    figure_lines = [f"{pages.embedded_png(path, name)}\n*{pages.escape(name)}*"
                    for name, path in run_evaluation.figures.items()]
    text = run_report_text(run_evaluation, table) + "\n## Figures\n\n" + "\n\n".join(figure_lines) + "\n"
    path = os.path.join(run_evaluation.run.workdir, REPORT_HTML_FILE)
    return pages.write(path, f"Evaluation of {run_evaluation.run.workdir}", text)


@dataclasses.dataclass
class RunEvaluation:
    """What `evaluate_runs` found for one run.

    Attributes:
        run: the `runs.Run`.
        name: its column in the comparison table.
        matrices: {metric key: M[i][j]} as written to results.json.
        means: {metric key: mean over tasks after the last learned task}.
        params: generator parameters per stage (None unless 'params' was asked).
        eval_examples: test examples per task (0: all).
        figures: {name: PNG path} of the heatmaps and sample grids.
        report_path: its report.md (None when only 'params' was asked).
    """

    run: object
    name: str
    matrices: dict
    means: dict
    params: list
    eval_examples: int
    figures: dict
    report_path: str | None
