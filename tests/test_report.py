"""The reporting package's tables, heatmaps, line plots and image grids."""

import numpy as np
import pytest
from PIL import Image

from hyper_lifelong_gan.reporting import figures, images, tables


def test_markdown_table_in_the_papers_layout():
    runs = {
        "hyper_lifelong_gan": {"acc": 0.9255, "fid": 101.434},
        "sft": {"acc": 0.2546, "fid": 250.37},
    }
    assert tables.markdown_table(runs, ["acc", "fid"]) == (
        "| Metric | hyper_lifelong_gan | sft |\n"
        "|---|---|---|\n"
        "| Acc | 92.55 | 25.46 |\n"
        "| FID (Keras Inception) | 101.43 | 250.37 |\n"
    )


def test_markdown_table_marks_missing_values_and_labels_classifier_fid():
    runs = {"full": {"acc": 0.5, "fid_classifier": 3.14159}, "sft": {"acc": 0.5}}
    assert tables.markdown_table(runs, ["fid_classifier"]) == (
        "| Metric | full | sft |\n"
        "|---|---|---|\n"
        "| FID (classifier features) | 3.14 | - |\n"
    )


def test_continual_matrix_table_with_forgetting_row():
    matrix = [[0.9, None], [0.8, 0.7]]
    # The last task cannot have forgotten anything: '-', and the mean is over the others.
    assert tables.continual_matrix_table("acc", ["monet", "ukiyoe"], matrix) == (
        "| Acc: after \\ on | monet | ukiyoe | mean |\n"
        "|---|---|---|---|\n"
        "| after monet | 90.00 | - | 90.00 |\n"
        "| after ukiyoe | 80.00 | 70.00 | 75.00 |\n"
        "| forgetting | 10.00 | - | 10.00 |\n"
    )


def test_continual_matrix_table_for_fid_without_percent():
    matrix = np.array([[50.0, np.nan, np.nan], [60.0, 40.0, np.nan], [70.0, 45.0, 30.0]])
    table = tables.continual_matrix_table("fid", ["a", "b", "c"], matrix)
    assert table.splitlines()[2] == "| after a | 50.00 | - | - | 50.00 |"
    # FID rose by 20 and 5: positive forgetting, as for Acc, whatever the metric's direction.
    assert table.splitlines()[-1] == "| forgetting | 20.00 | 5.00 | - | 12.50 |"


def test_a_task_that_improved_shows_negative_forgetting_without_minus_zero():
    table = tables.continual_matrix_table("l1", ["a", "b", "c"], [[0.2, None, None], [0.1, 0.3, None],
                                                                  [0.1, 0.3, 0.4]])
    assert table.splitlines()[-1] == "| forgetting | -0.10 | 0.00 | - | -0.05 |"


def test_wrong_sizes_are_refused():
    with pytest.raises(ValueError, match="matrix must be 2 x 2"):
        tables.continual_matrix_table("acc", ["a", "b"], [[1.0]])


MATRIX = [
    [0.9, None, None, None],
    [0.8, 0.95, None, None],
    [0.7, 0.9, 0.85, None],
    [0.6, 0.85, 0.8, 0.99],
]
NAMES = ["cityscapes", "maps", "facades", "edges2handbags"]


def _cell_pixel(image, row, column):
    """A pixel inside cell (row, column), away from its number."""
    left, top, _, _ = figures.heatmap_cell_box(row, column)
    return tuple(int(c) for c in image[top + 4, left + 4])


def _read(path):
    return np.asarray(Image.open(path).convert("RGB"))


def test_heatmap_png_size_and_cell_colour_follows_value(tmp_path):
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    figures.save_heatmap_png(first, MATRIX, NAMES, "Acc (%)", percent=True)
    changed = [row[:] for row in MATRIX]
    changed[3][0] = 0.99
    figures.save_heatmap_png(second, changed, NAMES, "Acc (%)", percent=True)
    image_a, image_b = _read(first), _read(second)
    width, height = figures.heatmap_size(4)
    assert image_a.shape == (height, width, 3)
    # The lowest value is the dark end of the ramp; raised to the highest, the bright end.
    assert _cell_pixel(image_a, 3, 0) == figures.colour_for(0.0)
    assert _cell_pixel(image_b, 3, 0) == figures.colour_for(1.0)
    assert _cell_pixel(image_a, 3, 3) == figures.colour_for(1.0)  # 0.99, the highest
    assert _cell_pixel(image_a, 0, 1) == figures.MISSING_COLOUR
    # In between, the colour moves along the ramp with the value (0.8 is 2/3 of the range).
    assert _cell_pixel(image_a, 1, 0) == figures.colour_for((0.8 - 0.6) / (0.99 - 0.6))
    assert len({_cell_pixel(image_a, row, 0) for row in range(4)}) == 4
    assert figures.colour_for(0.0) != figures.colour_for(1.0)


def test_heatmap_lower_is_better_reverses_the_colours(tmp_path):
    path = tmp_path / "fid.png"
    figures.save_heatmap_png(path, [[10.0, None], [30.0, 20.0]], ["a", "b"], "FID", higher_is_better=False)
    image = _read(path)
    assert _cell_pixel(image, 0, 0) == figures.colour_for(1.0)  # the lowest FID: best, bright
    assert _cell_pixel(image, 1, 0) == figures.colour_for(0.0)


def test_heatmap_of_a_single_value_and_bad_sizes(tmp_path):
    path = tmp_path / "one.png"
    figures.save_heatmap_png(path, [[0.5]], ["only"], "SSIM")
    image = _read(path)
    assert image.shape == tuple(reversed(figures.heatmap_size(1))) + (3,)
    assert _cell_pixel(image, 0, 0) == figures.colour_for(0.5)
    with pytest.raises(ValueError, match="2 x 2"):
        figures.save_heatmap_png(tmp_path / "bad.png", [[0.5]], ["a", "b"], "SSIM")


def test_line_plot_png_draws_each_series(tmp_path):
    path = tmp_path / "plot.png"
    series = {"exact": ([1, 2, 4, 8], [1.0, 2.0, 4.0, 8.0]), "sampled": ([1, 2, 4, 8], [1.0, 1.5, 1.8, None])}
    assert figures.save_line_plot_png(str(path), series, "Seconds per step", "tasks", "s", log_x=True,
                                      size=(500, 300)) == str(path)
    image = _read(path)
    assert image.shape == (300, 500, 3)
    # matplotlib's first two line colours (tab:blue, tab:orange) are both on the plot.
    colours = {tuple(pixel) for pixel in image.reshape(-1, 3)}
    assert (31, 119, 180) in colours and (255, 127, 14) in colours
    with pytest.raises(ValueError, match="3 x values but 2 y values"):
        figures.save_line_plot_png(str(path), {"bad": ([1, 2, 3], [1, 2])}, "t", "x", "y")


def test_to_uint8_rounds_and_clips():
    values = np.array([-2.0, -1.0, -0.5, 0.0, 0.999, 1.0, 3.0], np.float32)
    np.testing.assert_array_equal(images.to_uint8(values), [0, 0, 64, 128, 255, 255, 255])


def test_image_grid_png_layout(tmp_path):
    rng = np.random.default_rng(0)
    rows = [tuple(rng.uniform(-1, 1, (16, 24, 3)).astype(np.float32) for _ in range(3)) for _ in range(2)]
    rows[1] = (rows[1][0], rows[1][1], None)  # e.g. no ground truth
    path = tmp_path / "grid.png"
    images.save_image_grid_png(path, rows)
    image = _read(path)
    pad, header = images.GRID_PADDING, images.GRID_HEADER_HEIGHT
    assert image.shape == (header + 2 * 16 + 3 * pad, 3 * 24 + 4 * pad, 3)
    top, left = header + pad, pad + 24 + pad  # the first row's output
    expected = np.round((rows[0][1] + 1) * 127.5).astype(np.uint8)
    np.testing.assert_array_equal(image[top : top + 16, left : left + 24], expected)
    top, left = header + 2 * pad + 16, pad + 2 * (24 + pad)  # the missing target
    assert tuple(image[top + 8, left + 8]) == images.MISSING_COLOUR


def test_image_grid_rejects_mixed_sizes():
    with pytest.raises(ValueError):
        images.image_grid_array([(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)), np.zeros((4, 4, 3)))])
