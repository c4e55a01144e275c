"""Tests of a user's own folders (datasets/layout.py, user_folders.py) through `--tasks` and the pipeline.

Both layouts, both directions, and one test per kind of bad input, each asserting
the sentence the user gets.
"""

import logging

import datasets_fixtures as fixtures
import numpy as np
import pytest

from datasets import pipeline, user_folders
from datasets.errors import DatasetError
from datasets.tasks import parse_tasks


@pytest.fixture
def data_dir(tmp_path):
    return str(tmp_path / "tfds")


def _task(entry):
    (task,) = parse_tasks(entry)
    return task


def _first_batch(task, data_dir, image_size=16):
    dataset = pipeline.make_dataset(
        task, "test", image_size, 64, training=False, data_dir=data_dir, drop_remainder=False
    )
    inputs, targets = next(iter(dataset))
    return inputs.numpy(), targets.numpy()


def _examples_and_warnings(task, data_dir, caplog):
    """The examples of the train split's one pass, and the warnings preparing it logged."""
    with caplog.at_level(logging.WARNING):
        count = pipeline.num_examples(task, "train", data_dir)
    return count, caplog.messages


def _is_colour(images, colour):
    """Whether every pixel is about `colour` (given in 0..255), images in [-1, 1]."""
    expected = np.asarray(colour, np.float32) / 127.5 - 1.0
    return bool(np.abs(images - expected).max() < 0.05)


# ---------------------------------------------------------------------------
# pix2pix layout
# ---------------------------------------------------------------------------


def test_pix2pix_folder_default_direction_is_left_to_right(tmp_path, data_dir):
    folder = fixtures.write_pix2pix_folder(tmp_path / "mine")
    task = _task(f"mine={folder}")
    assert (task.mode, task.direction, task.layout) == ("paired", "AtoB", "pix2pix")
    inputs, targets = _first_batch(task, data_dir)
    assert inputs.shape == targets.shape == (2, 16, 16, 3)
    assert _is_colour(inputs, fixtures.RED) and _is_colour(targets, fixtures.BLUE)


def test_pix2pix_folder_b_to_a_swaps_input_and_target(tmp_path, data_dir):
    folder = fixtures.write_pix2pix_folder(tmp_path / "mine", folders=("train", "val"))
    task = _task(f"mine={folder}:BtoA")
    inputs, targets = _first_batch(task, data_dir)
    assert _is_colour(inputs, fixtures.BLUE) and _is_colour(targets, fixtures.RED)
    assert pipeline.num_examples(task, "train", data_dir) == 3
    assert pipeline.num_examples(task, "test", data_dir) == 2  # from val/


def test_changed_folder_is_prepared_again(tmp_path, data_dir):
    folder = fixtures.write_pix2pix_folder(tmp_path / "mine")
    task = _task(f"mine={folder}")
    assert pipeline.num_examples(task, "train", data_dir) == 3
    (folder / "train" / "4.jpg").write_bytes((folder / "train" / "1.jpg").read_bytes())
    builder = user_folders.prepare(str(folder), "pix2pix", data_dir)
    assert builder.info.splits["train"].num_examples == 4


# ---------------------------------------------------------------------------
# CycleGAN layout
# ---------------------------------------------------------------------------


def test_cyclegan_folder_a_to_b(tmp_path, data_dir):
    folder = fixtures.write_cyclegan_folder(tmp_path / "art")
    task = _task(f"art={folder}:AtoB")
    assert (task.mode, task.layout) == ("unpaired", "cyclegan")
    inputs, targets = _first_batch(task, data_dir)
    # Evaluation visits every input (testA: 2) once; targets cycle alongside.
    assert inputs.shape == (2, 16, 16, 3)
    assert _is_colour(inputs, fixtures.RED) and _is_colour(targets, fixtures.BLUE)


def test_cyclegan_folder_b_to_a(tmp_path, data_dir):
    folder = fixtures.write_cyclegan_folder(tmp_path / "art")
    task = _task(f"art={folder}:BtoA")
    inputs, targets = _first_batch(task, data_dir)
    assert inputs.shape == (3, 16, 16, 3)  # testB: 3
    assert _is_colour(inputs, fixtures.BLUE) and _is_colour(targets, fixtures.RED)
    assert pipeline.num_examples(task, "train", data_dir) == 4  # trainB
    training = pipeline.make_dataset(task, "train", 16, 5, training=True, data_dir=data_dir)
    inputs, targets = next(iter(training))
    assert _is_colour(inputs.numpy(), fixtures.BLUE) and _is_colour(targets.numpy(), fixtures.RED)


# ---------------------------------------------------------------------------
# A/B layout: the sides as two folders, paired by file name
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sides_below_splits", [False, True], ids=["A/train", "train/A"])
def test_ab_folder_pairs_by_name(tmp_path, data_dir, sides_below_splits):
    folder = fixtures.write_ab_folder(tmp_path / "mine", sides_below_splits=sides_below_splits)
    task = _task(f"mine={folder}")
    assert (task.mode, task.direction, task.layout) == ("paired", "AtoB", "ab")
    inputs, targets = _first_batch(task, data_dir)
    assert inputs.shape == targets.shape == (2, 16, 16, 3)
    assert _is_colour(inputs, fixtures.RED) and _is_colour(targets, fixtures.BLUE)
    assert pipeline.num_examples(task, "train", data_dir) == 3


def test_ab_folder_b_to_a_and_val_split(tmp_path, data_dir):
    folder = fixtures.write_ab_folder(tmp_path / "mine", counts={"train": 2, "val": 1})
    task = _task(f"mine={folder}:BtoA")
    inputs, targets = _first_batch(task, data_dir)
    assert _is_colour(inputs, fixtures.BLUE) and _is_colour(targets, fixtures.RED)
    assert pipeline.num_examples(task, "test", data_dir) == 1  # from val/


def test_ab_folder_leaves_out_and_lists_unmatched_names(tmp_path, data_dir, caplog):
    folder = fixtures.write_ab_folder(tmp_path / "mine")
    (folder / "A" / "train" / "lonely.jpg").write_bytes((folder / "A" / "train" / "1.jpg").read_bytes())
    (folder / "B" / "train" / "other.png").write_bytes((folder / "B" / "train" / "1.png").read_bytes())
    count, warnings = _examples_and_warnings(_task(f"mine={folder}"), data_dir, caplog)
    assert count == 3
    assert (
        f"Left out 2 images of {folder / 'A'} and {folder / 'B'} whose name has no partner "
        "on the other side: A/lonely.jpg, B/other.png." in warnings
    )


def test_ab_folder_without_a_split_or_a_side(tmp_path):
    folder = fixtures.write_ab_folder(tmp_path / "mine", counts={"train": 2})
    with pytest.raises(DatasetError, match=r"mine/A needs train/ and test/ \(or val/\)"):
        parse_tasks(f"mine={folder}")
    folder = fixtures.write_ab_folder(tmp_path / "other", sides_below_splits=True)
    for path in (folder / "test" / "B").iterdir():
        path.unlink()
    (folder / "test" / "B").rmdir()
    with pytest.raises(DatasetError, match=r"other/test has no B/; in the A/B layout"):
        parse_tasks(f"other={folder}")


def test_ab_folder_with_no_common_name_is_refused(tmp_path):
    folder = fixtures.write_ab_folder(tmp_path / "mine")
    for path in (folder / "B" / "test").iterdir():
        path.rename(path.with_name("b_" + path.name))
    with pytest.raises(DatasetError, match=r"share no file name, so no image has a partner"):
        parse_tasks(f"mine={folder}")


# ---------------------------------------------------------------------------
# Bad input: one sentence each
# ---------------------------------------------------------------------------


def test_missing_folder(tmp_path):
    with pytest.raises(DatasetError, match=r"^Folder .*nowhere does not exist\.$"):
        parse_tasks(f"mine={tmp_path / 'nowhere'}")


def test_file_instead_of_folder(tmp_path):
    path = tmp_path / "pairs.zip"
    path.write_bytes(b"PK")
    with pytest.raises(DatasetError, match=r"is a file, not a folder"):
        parse_tasks(f"mine={path}")


def test_folder_in_neither_layout(tmp_path):
    (tmp_path / "mine" / "images").mkdir(parents=True)
    with pytest.raises(DatasetError, match=r"is in none of the layouts \(it contains images\)"):
        parse_tasks(f"mine={tmp_path / 'mine'}")


def test_pix2pix_folder_without_test_or_val(tmp_path):
    folder = fixtures.write_pix2pix_folder(tmp_path / "mine", folders=("train",))
    with pytest.raises(DatasetError, match=r"has train/ but neither test/ nor val/"):
        parse_tasks(f"mine={folder}")


def test_cyclegan_folder_missing_a_split(tmp_path):
    folder = fixtures.write_cyclegan_folder(tmp_path / "art", counts={"trainA": 1, "trainB": 1})
    with pytest.raises(DatasetError, match=r"has no testA/ testB/"):
        parse_tasks(f"art={folder}")


def test_folder_with_no_images(tmp_path):
    (tmp_path / "mine" / "train").mkdir(parents=True)
    (tmp_path / "mine" / "test").mkdir()
    (tmp_path / "mine" / "train" / ".DS_Store").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"^Folder .*train contains no images\.$"):
        parse_tasks(f"mine={tmp_path / 'mine'}")


def test_file_that_is_not_an_image_is_skipped_and_reported(tmp_path, data_dir, caplog):
    folder = fixtures.write_pix2pix_folder(tmp_path / "mine")
    (folder / "train" / "notes.txt").write_text("labels are on the right")
    count, warnings = _examples_and_warnings(_task(f"mine={folder}"), data_dir, caplog)
    assert count == 3
    assert (
        f"Skipped 1 of 4 files in {folder / 'train'} that are not readable images: "
        "notes.txt (not an image)." in warnings
    )


def test_truncated_image_is_skipped_and_reported(tmp_path, data_dir, caplog):
    folder = fixtures.write_cyclegan_folder(tmp_path / "art")
    noisy = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    whole = fixtures.image_bytes(noisy)
    (folder / "trainA" / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    count, warnings = _examples_and_warnings(_task(f"art={folder}"), data_dir, caplog)
    assert count == 3  # trainA, AtoB
    (message,) = [m for m in warnings if m.startswith("Skipped")]
    assert message.startswith(
        f"Skipped 1 of 4 files in {folder / 'trainA'} that are not readable images: "
        "cut.jpg (truncated or corrupt"
    )


def test_split_with_nothing_readable_is_refused(tmp_path, data_dir):
    folder = fixtures.write_pix2pix_folder(tmp_path / "mine")
    for path in (folder / "test").iterdir():
        path.write_text("not a picture")
    task = _task(f"mine={folder}")
    with pytest.raises(DatasetError, match=r"test contains no readable images: Skipped 2 of 2"):
        pipeline.num_examples(task, "test", data_dir)


def test_paired_image_of_wrong_width_is_refused_with_its_name(tmp_path, data_dir):
    folder = fixtures.write_pix2pix_folder(tmp_path / "mine")
    wide = fixtures.image_bytes(np.zeros((16, 40, 3), np.uint8))
    (folder / "train" / "odd.jpg").write_bytes(wide)
    task = _task(f"mine={folder}")
    with pytest.raises(DatasetError) as raised:
        pipeline.num_examples(task, "train", data_dir)
    assert str(raised.value).startswith(
        f"{folder / 'train' / 'odd.jpg'} is 40x16 pixels, but a pix2pix-layout image must be "
        "an A|B pair side by side (width = 2 x height)"
    )


def test_grayscale_and_rgba_images_become_rgb(tmp_path, data_dir):
    counts = {"trainA": 1, "trainB": 1, "testA": 1, "testB": 1}
    folder = fixtures.write_cyclegan_folder(tmp_path / "art", counts=counts)
    gray = fixtures.image_bytes(np.full((16, 16), 128, np.uint8), "PNG")
    transparent = fixtures.image_bytes(np.zeros((16, 16, 4), np.uint8), "PNG")
    for name in ("trainA", "testA"):
        (folder / name / "1.jpg").unlink()
        (folder / name / "gray.png").write_bytes(gray)
    for name in ("trainB", "testB"):
        (folder / name / "1.jpg").unlink()
        (folder / name / "clear.png").write_bytes(transparent)
    task = _task(f"art={folder}")
    inputs, targets = _first_batch(task, data_dir)
    assert _is_colour(inputs, (128, 128, 128))
    assert _is_colour(targets, (255, 255, 255))  # transparent over white paper
