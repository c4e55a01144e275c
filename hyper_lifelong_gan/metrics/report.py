"""The evaluation report: tables in the paper's layout, heatmaps and image grids.

Text only needs the standard library; pictures are drawn with PIL (matplotlib is
not a dependency). Conventions:

* Metric names are the keys of results.json; their labels, which way is better and
  which are shown in percent come from the one table of `metrics.facts`.
* A continual-learning matrix M has M[i][j] = the metric of task j after learning
  task i; entries with j > i (tasks not learned yet) are None.
"""

import json
import math
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from hyper_lifelong_gan.metrics.facts import LOWER_IS_BETTER, METRIC_LABELS, PERCENT_METRICS

MISSING = "-"


def write_markdown_and_json(out_dir, stem, text, payload):
    """Writes OUT_DIR/<stem>.md (the table as text) and OUT_DIR/<stem>.json; returns the paths."""
    os.makedirs(out_dir, exist_ok=True)
    markdown_path = os.path.join(out_dir, f"{stem}.md")
    json_path = os.path.join(out_dir, f"{stem}.json")
    with open(markdown_path, "w") as stream:
        stream.write(text)
    with open(json_path, "w") as stream:
        json.dump(payload, stream, indent=2)
        stream.write("\n")
    return markdown_path, json_path


def metric_label(metric_name):
    """The display name of a metric ('acc' -> 'Acc'); unknown names pass through."""
    return METRIC_LABELS.get(metric_name, metric_name)


def _is_missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(metric_name, value):
    """Two decimals; Acc as a percentage; '-' for a missing value."""
    if _is_missing(value):
        return MISSING
    if metric_name in PERCENT_METRICS:
        value = 100.0 * value
    return f"{value:.2f}"


def _markdown_rows(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def markdown_table(runs, metrics_order=("acc", "fid")):
    """The layout of the paper's Tables 4 and 6: one row per metric, one column per run.

    Args:
        runs: {run name: {metric name: value averaged over tasks}}, columns in
            the dict's order.
        metrics_order: the rows, by metric name.

    Returns:
        A markdown table, e.g.

            | Metric | hyper_lifelong_gan | sft |
            |---|---|---|
            | Acc | 92.55 | 25.46 |
            | FID | 101.43 | 250.37 |
    """
    header = ["Metric"] + list(runs)
    rows = [
        [metric_label(metric)]
        + [format_value(metric, values.get(metric)) for values in runs.values()]
        for metric in metrics_order
    ]
    return _markdown_rows(header, rows)


def forgetting(matrix):
    """Per task j, M[j][j] - M[T-1][j]: the value just after learning j minus at the end.

    For higher-is-better metrics (Acc, PSNR, SSIM) a positive value is forgetting;
    for lower-is-better ones (FID, L1) a negative value is. None where an entry is
    missing.
    """
    last = len(matrix) - 1
    result = []
    for task in range(len(matrix)):
        learned, final = matrix[task][task], matrix[last][task]
        result.append(None if _is_missing(learned) or _is_missing(final) else learned - final)
    return result


def continual_matrix_table(metric_name, task_names, matrix, baseline=None):
    """The task-by-stage matrix of one metric as a markdown table.

    Rows: "after <task i>"; columns: the evaluated task j, then the mean over the
    tasks learned so far; a last row of forgetting: how much worse each task got
    since it was learned, M[j][j] - M[T-1][j] for higher-is-better metrics and
    M[T-1][j] - M[j][j] for lower-is-better ones (L1, FID), so positive = forgot.

    With a `baseline` matrix (a trivial baseline's value for each entry, same
    layout), two more rows set each task's score just after learning it, M[j][j],
    beside its baseline B[j][j], so a task never learned reads differently from one
    not forgotten; where the baseline changes from stage to stage (it depends on the
    outputs), a last row gives it after the last task, B[T-1][j].

    Args:
        metric_name: e.g. 'acc' (shown in percent) or 'fid'.
        task_names: the T task names, in training order.
        matrix: T x T nested lists (or array) with None (or NaN) where j > i.
        baseline: None, or T x T values like `matrix`.

    Returns:
        A markdown table, e.g. for Acc of two tasks:

            | Acc: after \\ on | monet | ukiyoe | mean |
            |---|---|---|---|
            | after monet | 90.00 | - | 90.00 |
            | after ukiyoe | 80.00 | 70.00 | 75.00 |
            | forgetting | 10.00 | 0.00 | 5.00 |
    """
    num_tasks = len(task_names)
    if len(matrix) != num_tasks or any(len(row) != num_tasks for row in matrix):
        raise ValueError(f"The matrix must be {num_tasks} x {num_tasks}.")
    matrix = [[None if _is_missing(v) else float(v) for v in row] for row in matrix]
    header = [f"{metric_label(metric_name)}: after \\ on"] + list(task_names) + ["mean"]
    rows = []
    for stage, row in enumerate(matrix):
        known = [v for v in row if v is not None]
        mean = sum(known) / len(known) if known else None
        rows.append(
            [f"after {task_names[stage]}"]
            + [format_value(metric_name, v) for v in row]
            + [format_value(metric_name, mean)]
        )
    # The table's forgetting row reads the same for every metric: how much worse the
    # task got since it was learned (positive = forgot).
    sign = -1.0 if metric_name in LOWER_IS_BETTER else 1.0
    drops = [None if v is None else sign * v + 0.0 for v in forgetting(matrix)]  # no -0.00
    known_drops = [v for v in drops if v is not None]
    mean_drop = sum(known_drops) / len(known_drops) if known_drops else None
    rows.append(
        ["forgetting"]
        + [format_value(metric_name, v) for v in drops]
        + [format_value(metric_name, mean_drop)]
    )
    if baseline is not None:
        if len(baseline) != num_tasks or any(len(row) != num_tasks for row in baseline):
            raise ValueError(f"The baseline matrix must be {num_tasks} x {num_tasks}.")
        baseline = [[None if _is_missing(v) else float(v) for v in row] for row in baseline]
        diagonal = [baseline[j][j] for j in range(num_tasks)]
        summary = [("just learned", [matrix[j][j] for j in range(num_tasks)]), ("baseline", diagonal)]
        if baseline[-1] != diagonal:
            summary.append(("baseline after last", baseline[-1]))
        for label, values in summary:
            known = [v for v in values if v is not None]
            mean = sum(known) / len(known) if known else None
            rows.append([label] + [format_value(metric_name, v) for v in values] + [format_value(metric_name, mean)])
    return _markdown_rows(header, rows)


# ---------------------------------------------------------------------------
# Pictures.

# Heatmap layout, in pixels.
HEATMAP_CELL_WIDTH = 130
HEATMAP_CELL_HEIGHT = 44
HEATMAP_LABEL_WIDTH = 190
HEATMAP_TITLE_HEIGHT = 46
HEATMAP_HEADER_HEIGHT = 28
HEATMAP_MARGIN = 10
FONT_SIZE = 14
TITLE_FONT_SIZE = 16

# Anchors of a perceptually ordered colour ramp (dark purple - blue - teal - green
# - yellow, as in viridis); values are linearly interpolated between them.
_COLOUR_ANCHORS = np.array(
    [
        [68, 1, 84],
        [59, 82, 139],
        [33, 145, 140],
        [94, 201, 98],
        [253, 231, 37],
    ],
    dtype=np.float64,
)
MISSING_COLOUR = (200, 200, 200)
BACKGROUND = (255, 255, 255)
TEXT_COLOUR = (0, 0, 0)


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the fixed bitmap font.
        return ImageFont.load_default()


def colour_for(fraction):
    """The ramp's colour at `fraction` in [0, 1] (0 dark purple, 1 yellow)."""
    position = min(max(float(fraction), 0.0), 1.0) * (len(_COLOUR_ANCHORS) - 1)
    lower = min(int(position), len(_COLOUR_ANCHORS) - 2)
    weight = position - lower
    colour = (1 - weight) * _COLOUR_ANCHORS[lower] + weight * _COLOUR_ANCHORS[lower + 1]
    return tuple(int(round(c)) for c in colour)


def _text_colour_on(background):
    luminance = 0.299 * background[0] + 0.587 * background[1] + 0.114 * background[2]
    return (0, 0, 0) if luminance > 140 else (255, 255, 255)


def heatmap_size(num_tasks):
    """(width, height) in pixels of a heatmap of `num_tasks` x `num_tasks` cells."""
    width = HEATMAP_LABEL_WIDTH + num_tasks * HEATMAP_CELL_WIDTH + HEATMAP_MARGIN
    height = (
        HEATMAP_TITLE_HEIGHT
        + HEATMAP_HEADER_HEIGHT
        + num_tasks * HEATMAP_CELL_HEIGHT
        + HEATMAP_MARGIN
    )
    return width, height


def heatmap_cell_box(row, column):
    """The (left, top, right, bottom) pixel box of cell M[row][column]."""
    left = HEATMAP_LABEL_WIDTH + column * HEATMAP_CELL_WIDTH
    top = HEATMAP_TITLE_HEIGHT + HEATMAP_HEADER_HEIGHT + row * HEATMAP_CELL_HEIGHT
    return left, top, left + HEATMAP_CELL_WIDTH, top + HEATMAP_CELL_HEIGHT


def _fit_text(draw, text, font, max_width):
    """`text`, shortened with '..' until it fits in `max_width` pixels."""
    if draw.textlength(text, font=font) <= max_width:
        return text
    while text and draw.textlength(text + "..", font=font) > max_width:
        text = text[:-1]
    return text + ".."


def save_heatmap_png(
    path, matrix, task_names, title, higher_is_better=True, percent=False
):
    """Draws a continual-learning matrix as a coloured grid and saves it as PNG.

    Rows are "after learning task i", columns the evaluated task j; each cell shows
    its value (two decimals) on a colour from the value range of the matrix, with
    the better end yellow (`higher_is_better=False` for FID and L1). None/NaN
    cells are grey. The image is `heatmap_size(T)` pixels.

    Args:
        path: the PNG file to write.
        matrix: T x T values, None (or NaN) where not evaluated.
        task_names: the T task names.
        title: the line drawn above the grid.
        higher_is_better: which end of the value range is drawn bright.
        percent: show values multiplied by 100 (for Acc stored as a fraction).
    """
    num_tasks = len(task_names)
    values = np.array(
        [[np.nan if _is_missing(v) else float(v) for v in row] for row in matrix],
        dtype=np.float64,
    )
    if values.shape != (num_tasks, num_tasks):
        raise ValueError(f"The matrix must be {num_tasks} x {num_tasks}.")
    known = values[np.isfinite(values)]
    low, high = (float(known.min()), float(known.max())) if known.size else (0.0, 1.0)

    image = Image.new("RGB", heatmap_size(num_tasks), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font, title_font = _font(FONT_SIZE), _font(TITLE_FONT_SIZE)

    draw.text((HEATMAP_MARGIN, 6), title, fill=TEXT_COLOUR, font=title_font)
    draw.text(
        (HEATMAP_MARGIN, 6 + TITLE_FONT_SIZE + 6),
        "row: after learning task; column: evaluated task; yellow is better",
        fill=(90, 90, 90),
        font=font,
    )
    header_middle = HEATMAP_TITLE_HEIGHT + HEATMAP_HEADER_HEIGHT // 2
    for column, name in enumerate(task_names):
        left, _, right, _ = heatmap_cell_box(0, column)
        label = _fit_text(draw, name, font, HEATMAP_CELL_WIDTH - 6)
        draw.text(
            ((left + right) / 2, header_middle), label, fill=TEXT_COLOUR, font=font,
            anchor="mm",
        )
    for row in range(num_tasks):
        _, top, _, bottom = heatmap_cell_box(row, 0)
        label = _fit_text(
            draw, f"after {task_names[row]}", font, HEATMAP_LABEL_WIDTH - 2 * HEATMAP_MARGIN
        )
        draw.text(
            (HEATMAP_LABEL_WIDTH - 8, (top + bottom) / 2), label, fill=TEXT_COLOUR,
            font=font, anchor="rm",
        )
        for column in range(num_tasks):
            box = heatmap_cell_box(row, column)
            value = values[row, column]
            if np.isfinite(value):
                fraction = (value - low) / (high - low) if high > low else 0.5
                fill = colour_for(fraction if higher_is_better else 1.0 - fraction)
                text = f"{100.0 * value if percent else value:.2f}"
            else:
                fill = MISSING_COLOUR
                text = MISSING
            draw.rectangle(box, fill=fill, outline=BACKGROUND, width=1)
            draw.text(
                ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), text,
                fill=_text_colour_on(fill), font=font, anchor="mm",
            )
    image.save(path, format="PNG")


# Image grid layout, in pixels.
GRID_PADDING = 2
GRID_HEADER_HEIGHT = 20
GRID_COLUMNS = ("input", "output", "target")


def _to_uint8(image):
    image = np.asarray(image, dtype=np.float32)
    return np.round((np.clip(image, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def image_grid_array(rows):
    """A uint8 array [height, width, 3] of the grid `save_image_grid_png` writes.

    Each row (input | output | target) holds three [H, W, 3] images in [-1, 1];
    a None image (e.g. no ground truth for an unpaired task) is drawn grey. Cells
    are separated by GRID_PADDING white pixels, under a header of column names
    GRID_HEADER_HEIGHT pixels tall, so the grid is
    (3 W + 4 p) wide and (header + N H + (N + 1) p) tall.
    """
    if not rows:
        raise ValueError("An image grid needs at least one row.")
    shapes = {np.shape(image) for row in rows for image in row if image is not None}
    if len(shapes) != 1:
        raise ValueError(f"All images of a grid must have one shape; got {shapes}.")
    height, width, channels = shapes.pop()
    if channels != 3:
        raise ValueError(f"Images must be [H, W, 3]; got {(height, width, channels)}.")
    pad = GRID_PADDING
    grid_width = len(GRID_COLUMNS) * width + (len(GRID_COLUMNS) + 1) * pad
    grid_height = GRID_HEADER_HEIGHT + len(rows) * height + (len(rows) + 1) * pad
    image = Image.new("RGB", (grid_width, grid_height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = _font(12)
    for column, name in enumerate(GRID_COLUMNS):
        centre = pad + column * (width + pad) + width / 2
        label = _fit_text(draw, name, font, width - 2)
        draw.text((centre, GRID_HEADER_HEIGHT / 2), label, fill=TEXT_COLOUR, font=font,
                  anchor="mm")
    for index, row in enumerate(rows):
        if len(row) != len(GRID_COLUMNS):
            raise ValueError("Each grid row is (input, output, target).")
        top = GRID_HEADER_HEIGHT + pad + index * (height + pad)
        for column, cell in enumerate(row):
            left = pad + column * (width + pad)
            if cell is None:
                tile = Image.new("RGB", (width, height), MISSING_COLOUR)
            else:
                tile = Image.fromarray(_to_uint8(cell))
            image.paste(tile, (left, top))
    return np.asarray(image)


def save_image_grid_png(path, rows):
    """Saves rows of (input, output, target) images in [-1, 1] as one PNG grid.

    See `image_grid_array` for the layout; a task's grid shows its test inputs,
    the generator's outputs and the ground truth side by side.
    """
    Image.fromarray(image_grid_array(rows)).save(path, format="PNG")
