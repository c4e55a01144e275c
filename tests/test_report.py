import numpy as np
import pytest
from PIL import Image

from hyper_lifelong_gan.metrics import report


def test_markdown_table_in_the_papers_layout():
    runs = {
        "hyper_lifelong_gan": {"acc": 0.9255, "fid": 101.434},
        "sft": {"acc": 0.2546, "fid": 250.37},
    }
    assert report.markdown_table(runs, ["acc", "fid"]) == (
        "| Metric | hyper_lifelong_gan | sft |\n"
        "|---|---|---|\n"
        "| Acc | 92.55 | 25.46 |\n"
        "| FID (Keras Inception) | 101.43 | 250.37 |\n"
    )


def test_markdown_table_marks_missing_values_and_labels_classifier_fid():
    runs = {"full": {"acc": 0.5, "fid_classifier": 3.14159}, "sft": {"acc": 0.5}}
    assert report.markdown_table(runs, ["fid_classifier"]) == (
        "| Metric | full | sft |\n"
        "|---|---|---|\n"
        "| FID (classifier features) | 3.14 | - |\n"
    )


def test_continual_matrix_table_with_forgetting_row():
    matrix = [[0.9, None], [0.8, 0.7]]
    assert report.continual_matrix_table("acc", ["monet", "ukiyoe"], matrix) == (
        "| Acc: after \\ on | monet | ukiyoe | mean |\n"
        "|---|---|---|---|\n"
        "| after monet | 90.00 | - | 90.00 |\n"
        "| after ukiyoe | 80.00 | 70.00 | 75.00 |\n"
        "| forgetting | 10.00 | 0.00 | 5.00 |\n"
    )


def test_continual_matrix_table_for_fid_without_percent():
    matrix = np.array([[50.0, np.nan, np.nan], [60.0, 40.0, np.nan], [70.0, 45.0, 30.0]])
    table = report.continual_matrix_table("fid", ["a", "b", "c"], matrix)
    assert table.splitlines()[2] == "| after a | 50.00 | - | - | 50.00 |"
    # FID rose by 20 and 5: positive forgetting, as for Acc, whatever the metric's direction.
    assert table.splitlines()[-1] == "| forgetting | 20.00 | 5.00 | 0.00 | 8.33 |"


def test_forgetting_and_wrong_sizes():
    assert report.forgetting([[1.0, None], [0.25, 0.5]]) == [0.75, 0.0]
    assert report.forgetting([[None, None], [0.25, 0.5]]) == [None, 0.0]
    with pytest.raises(ValueError):
        report.continual_matrix_table("acc", ["a", "b"], [[1.0]])


def test_heatmap_png_size_and_cell_colour_follows_value(tmp_path):
    names = ["cityscapes", "maps", "facades", "edges2handbags"]
    matrix = [
        [0.9, None, None, None],
        [0.8, 0.95, None, None],
        [0.7, 0.9, 0.85, None],
        [0.6, 0.85, 0.8, 0.99],
    ]
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    report.save_heatmap_png(first, matrix, names, "Acc (%)", percent=True)
    changed = [row[:] for row in matrix]
    changed[3][0] = 0.99
    report.save_heatmap_png(second, changed, names, "Acc (%)", percent=True)

    image_a = np.asarray(Image.open(first).convert("RGB"))
    image_b = np.asarray(Image.open(second).convert("RGB"))
    width, height = report.heatmap_size(4)
    assert image_a.shape == (height, width, 3)

    def corner_pixel(image, row, column):  # inside the cell, away from its number
        left, top, _, _ = report.heatmap_cell_box(row, column)
        return tuple(image[top + 4, left + 4])

    assert corner_pixel(image_a, 3, 0) != corner_pixel(image_b, 3, 0)
    assert corner_pixel(image_a, 3, 0) == report.colour_for(0.0)  # the lowest value
    assert corner_pixel(image_b, 3, 0) == report.colour_for(1.0)  # now the highest
    assert corner_pixel(image_a, 0, 1) == report.MISSING_COLOUR


def test_heatmap_lower_is_better_reverses_the_colours(tmp_path):
    path = tmp_path / "fid.png"
    report.save_heatmap_png(path, [[10.0, None], [30.0, 20.0]], ["a", "b"], "FID",
                            higher_is_better=False)
    image = np.asarray(Image.open(path).convert("RGB"))
    left, top, _, _ = report.heatmap_cell_box(0, 0)
    assert tuple(image[top + 4, left + 4]) == report.colour_for(1.0)


def test_image_grid_png_layout(tmp_path):
    rng = np.random.default_rng(0)
    rows = [tuple(rng.uniform(-1, 1, (16, 24, 3)).astype(np.float32) for _ in range(3))
            for _ in range(2)]
    rows[1] = (rows[1][0], rows[1][1], None)  # e.g. no ground truth
    path = tmp_path / "grid.png"
    report.save_image_grid_png(path, rows)
    image = np.asarray(Image.open(path).convert("RGB"))
    pad, header = report.GRID_PADDING, report.GRID_HEADER_HEIGHT
    assert image.shape == (header + 2 * 16 + 3 * pad, 3 * 24 + 4 * pad, 3)
    top, left = header + pad, pad + 24 + pad  # the first row's output
    expected = np.round((rows[0][1] + 1) * 127.5).astype(np.uint8)
    np.testing.assert_array_equal(image[top : top + 16, left : left + 24], expected)
    top, left = header + 2 * pad + 16, pad + 2 * (24 + pad)  # the missing target
    assert tuple(image[top + 8, left + 8]) == report.MISSING_COLOUR


def test_image_grid_rejects_mixed_sizes():
    with pytest.raises(ValueError):
        report.image_grid_array([(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)), np.zeros((4, 4, 3)))])
