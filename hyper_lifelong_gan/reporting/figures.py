"""Figures as PNG files, drawn with matplotlib's Agg canvas (no display needed).

Only the object-oriented API is used (`Figure` on a `FigureCanvasAgg`), so nothing
here touches pyplot's global state or needs a GUI backend.
"""

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullLocator

DPI = 100
# Heatmap layout, in pixels.
HEATMAP_CELL_WIDTH = 130
HEATMAP_CELL_HEIGHT = 44
HEATMAP_LABEL_WIDTH = 190
HEATMAP_TITLE_HEIGHT = 46
HEATMAP_HEADER_HEIGHT = 28
HEATMAP_COLOURBAR_WIDTH = 90  # the colour bar and its tick labels, right of the grid
HEATMAP_MARGIN = 10
# A perceptually ordered ramp, dark purple (worst) to yellow (best).
COLOUR_MAP = "viridis"
MISSING_COLOUR = (200, 200, 200)
SUBTITLE = "row: after learning task; column: evaluated task; yellow is better"


def heatmap_size(num_tasks):
    """(width, height) in pixels of a heatmap of `num_tasks` x `num_tasks` cells."""
    width = HEATMAP_LABEL_WIDTH + num_tasks * HEATMAP_CELL_WIDTH + HEATMAP_COLOURBAR_WIDTH + HEATMAP_MARGIN
    height = HEATMAP_TITLE_HEIGHT + HEATMAP_HEADER_HEIGHT + num_tasks * HEATMAP_CELL_HEIGHT + HEATMAP_MARGIN
    return width, height


def heatmap_cell_box(row, column):
    """The (left, top, right, bottom) pixel box of cell M[row][column]."""
    left = HEATMAP_LABEL_WIDTH + column * HEATMAP_CELL_WIDTH
    top = HEATMAP_TITLE_HEIGHT + HEATMAP_HEADER_HEIGHT + row * HEATMAP_CELL_HEIGHT
    return left, top, left + HEATMAP_CELL_WIDTH, top + HEATMAP_CELL_HEIGHT


def colour_for(fraction):
    """The ramp's (r, g, b) in 0..255 at `fraction` in [0, 1] (0 dark purple, 1 yellow)."""
    return tuple(int(c) for c in matplotlib.colormaps[COLOUR_MAP](float(fraction), bytes=True)[:3])


def _shorten(text, max_characters):
    return text if len(text) <= max_characters else text[: max_characters - 2] + ".."


def _axes_at(figure, left, top, width, height):
    """Axes placed at a pixel box (from the figure's top left corner)."""
    figure_width, figure_height = figure.get_size_inches() * DPI
    return figure.add_axes(
        [left / figure_width, 1.0 - (top + height) / figure_height, width / figure_width, height / figure_height]
    )


def save_heatmap_png(path, matrix, task_names, title, higher_is_better=True, percent=False):
    """Draws a continual-learning matrix as a coloured grid and saves it as PNG.

    Rows are "after learning task i", columns the evaluated task j; each cell shows
    its value (two decimals) on a colour from the value range of the matrix, with
    the better end yellow (`higher_is_better=False` for FID and L1), and a colour
    bar at the right. None/NaN cells are grey. The image is `heatmap_size(T)`
    pixels and cell (i, j) fills `heatmap_cell_box(i, j)`.

    Args:
        path: the PNG file to write.
        matrix: T x T values, None (or NaN) where not evaluated.
        task_names: the T task names.
        title: the line drawn above the grid.
        higher_is_better: which end of the value range is drawn bright.
        percent: show values multiplied by 100 (for Acc stored as a fraction).
    """
    num_tasks = len(task_names)
    values = np.array([[np.nan if v is None else float(v) for v in row] for row in matrix], dtype=np.float64)
    if values.shape != (num_tasks, num_tasks):
        raise ValueError(f"The matrix must be {num_tasks} x {num_tasks}.")
    known = values[np.isfinite(values)]
    low, high = (float(known.min()), float(known.max())) if known.size else (0.0, 1.0)
    if high <= low:  # one value: the middle of the ramp
        low, high = low - 1.0, high + 1.0
    scale = 100.0 if percent else 1.0
    colours = matplotlib.colormaps[COLOUR_MAP if higher_is_better else COLOUR_MAP + "_r"].with_extremes(
        bad=np.array(MISSING_COLOUR) / 255.0
    )
    width, height = heatmap_size(num_tasks)
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.text(HEATMAP_MARGIN / width, 1 - 6 / height, title, va="top", fontsize=12, weight="bold")
    figure.text(HEATMAP_MARGIN / width, 1 - 26 / height, SUBTITLE, va="top", fontsize=9, color="0.35")
    grid_top = HEATMAP_TITLE_HEIGHT + HEATMAP_HEADER_HEIGHT
    axes = _axes_at(figure, HEATMAP_LABEL_WIDTH, grid_top, num_tasks * HEATMAP_CELL_WIDTH,
                    num_tasks * HEATMAP_CELL_HEIGHT)
    image = axes.imshow(np.ma.masked_invalid(values), cmap=colours, vmin=low, vmax=high, aspect="auto",
                        interpolation="nearest")
    axes.set_xticks(range(num_tasks), [_shorten(name, 18) for name in task_names], fontsize=10)
    axes.set_yticks(range(num_tasks), [_shorten(f"after {name}", 26) for name in task_names], fontsize=10)
    axes.xaxis.tick_top()
    axes.tick_params(length=0)
    for row in range(num_tasks):
        for column in range(num_tasks):
            value = values[row, column]
            if np.isfinite(value):
                red, green, blue, _ = image.to_rgba(value)
                dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.55
                text, colour = f"{scale * value:.2f}", "white" if dark else "black"
            else:
                text, colour = "-", "black"
            axes.text(column, row, text, ha="center", va="center", fontsize=10, color=colour)
    colour_bar = _axes_at(figure, HEATMAP_LABEL_WIDTH + num_tasks * HEATMAP_CELL_WIDTH + 12, grid_top, 14,
                          num_tasks * HEATMAP_CELL_HEIGHT)
    figure.colorbar(image, cax=colour_bar, format=FuncFormatter(lambda value, _: f"{scale * value:.4g}"))
    colour_bar.tick_params(labelsize=9)
    figure.savefig(path, format="png", dpi=DPI)


def save_line_plot_png(path, series, title, x_label, y_label, log_x=False, log_y=False, size=(640, 420)):
    """Line plot of labelled series, saved as PNG; returns `path`.

    Args:
        path: the PNG file to write.
        series: {label: (x values, y values)}, one line with markers each, in the
            dict's order; a None y value leaves a gap.
        title, x_label, y_label: the text around the axes.
        log_x, log_y: logarithmic axes (e.g. tasks or batch sizes that double).
        size: (width, height) of the image in pixels.
    """
    figure = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for label, (xs, ys) in series.items():
        if len(xs) != len(ys):
            raise ValueError(f"Series {label!r} has {len(xs)} x values but {len(ys)} y values.")
        axes.plot(list(xs), [np.nan if y is None else y for y in ys], marker="o", label=label)
    axes.set_title(title)
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    if log_x:  # ticks at the data's x values, written plainly (not as powers of ten)
        axes.set_xscale("log")
        ticks = sorted({float(x) for xs, _ in series.values() for x in xs})
        axes.set_xticks(ticks, [f"{x:g}" for x in ticks])
        axes.xaxis.set_minor_locator(NullLocator())
    if log_y:
        axes.set_yscale("log")
    axes.grid(True, alpha=0.3)
    if series:
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=DPI)
    return path
