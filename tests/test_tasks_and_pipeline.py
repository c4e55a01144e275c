"""Tests of the task registry (datasets/tasks.py) and the input pipeline (datasets/pipeline.py).

The direction tests feed every named task data with a known picture on each side
(red on A, blue on B) and check which colour `make_dataset` hands out as input.
"""

from unittest import mock

import datasets_fixtures as fixtures
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from datasets import builtin as builtin_tasks
from datasets import pipeline, pix2pix
from datasets.builtin import builder as builtin_builder
from datasets.errors import DatasetError, DatasetUnavailableError, UnknownTaskError
from datasets.tasks import TASKS_HELP, get_task, parse_tasks, task_names

# name -> (mode, direction, dataset), as docs/design.md's task table has them.
EXPECTED_TASKS = {
    "cityscapes": ("paired", "BtoA", "pix2pix/cityscapes"),
    "maps": ("paired", "BtoA", "pix2pix/maps"),
    "facades": ("paired", "BtoA", "pix2pix/facades"),
    "edges2handbags": ("paired", "AtoB", "pix2pix/edges2handbags"),
    "edges2shoes": ("paired", "AtoB", "pix2pix/edges2shoes"),
    "night2day": ("paired", "AtoB", "pix2pix/night2day"),
    "monet": ("unpaired", "BtoA", "cycle_gan/monet2photo"),
    "ukiyoe": ("unpaired", "BtoA", "cycle_gan/ukiyoe2photo"),
}
SIDE_COLOURS = {"A": fixtures.RED, "B": fixtures.BLUE}


def _is_colour(images, colour):
    expected = np.asarray(colour, np.float32) / 127.5 - 1.0
    return bool(np.abs(np.asarray(images) - expected).max() < 0.05)


# ---------------------------------------------------------------------------
# Task registry and --tasks parsing
# ---------------------------------------------------------------------------


def test_paper_tasks_have_their_source_and_direction():
    tasks = parse_tasks(",".join(EXPECTED_TASKS))
    assert [task.name for task in tasks] == list(EXPECTED_TASKS)
    for task in tasks:
        assert (task.mode, task.direction, task.dataset) == EXPECTED_TASKS[task.name]


def test_builtin_toy_tasks_parse_as_plain_names():
    for name in builtin_tasks.TOY10_TASKS:
        task = get_task(name)
        assert (task.mode, task.source, task.direction) == ("paired", "builtin", "AtoB")
    for name in builtin_tasks.UNPAIRED_TASKS:
        task = get_task(name)
        # Laid out like cycle_gan: A = art (target), B = photo (input).
        assert (task.mode, task.source, task.direction) == ("unpaired", "builtin", "BtoA")
    assert task_names() == list(EXPECTED_TASKS) + list(builtin_tasks.TOY10_TASKS) + list(
        builtin_tasks.UNPAIRED_TASKS
    )


def test_help_names_every_task():
    for name in task_names():
        assert name in TASKS_HELP
    assert "NAME=/path/to/folder[:AtoB|:BtoA]" in TASKS_HELP


def test_unknown_task_gets_one_sentence_listing_the_valid_ones():
    with pytest.raises(UnknownTaskError) as raised:
        parse_tasks("cityscapes,facade")
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, DatasetError)
    message = str(raised.value)
    assert message.startswith("Unknown task 'facade' (did you mean 'facades'?); valid tasks are ")
    assert all(name in message for name in task_names())
    assert "\n" not in message and message.endswith(".")


@pytest.mark.parametrize(
    "spec, pattern",
    [
        (" , ", r"--tasks is empty"),
        ("facades,maps,facades", r"Task 'facades' appears twice"),
        ("facades=/tmp", r"Task name 'facades' in 'facades=/tmp' is taken by a predefined task"),
        ("my data=/tmp", r"needs a name made of letters"),
        ("mine=/tmp:AtoC", r"Unknown direction 'AtoC' in 'mine=/tmp:AtoC'; use :AtoB or :BtoA\."),
        ("mine=", r"names no folder"),
    ],
)
def test_bad_task_lists_are_refused(spec, pattern):
    with pytest.raises(DatasetError, match=pattern):
        parse_tasks(spec)


def test_folder_entry_direction_suffix(tmp_path):
    folder = fixtures.write_pix2pix_folder(tmp_path / "my:data")
    (default,) = parse_tasks(f"mine={folder}")
    (lower,) = parse_tasks(f" mine = {folder}:btoa ,")
    assert (default.direction, default.dataset) == ("AtoB", str(folder))
    assert (lower.direction, lower.dataset) == ("BtoA", str(folder))


# ---------------------------------------------------------------------------
# Direction: each named task's input and target, through make_dataset
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(fixtures.ARCHIVE_FOLDERS))
def test_pix2pix_task_gets_input_and_target_the_right_way_round(name):
    task = get_task(name)
    data_dir = fixtures.pix2pix_data_dir()
    for training in (True, False):
        dataset = pipeline.make_dataset(
            task, "train", 16, 2, training=training, jitter=training, data_dir=data_dir
        )
        inputs, targets = next(iter(dataset))
        assert _is_colour(inputs, SIDE_COLOURS[task.input_side])
        assert _is_colour(targets, SIDE_COLOURS[task.target_side])
    (target,) = pipeline.target_images(task, "test", 16, data_dir).take(1)
    assert _is_colour(target, SIDE_COLOURS[task.target_side])


@pytest.fixture(scope="module")
def cycle_gan_data_dir(tmp_path_factory):
    """TFDS' own cycle_gan builder prepared from small folders in its zip's layout.

    As in TFDS' own cycle_gan test, the download manager hands over the extracted
    folder; the reachability check belongs to that download and is skipped with it.
    """
    root = tmp_path_factory.mktemp("cycle_gan")
    data_dir = str(root / "tfds")
    counts = {"trainA": 2, "trainB": 3, "testA": 2, "testB": 3}
    for task_name, config in (("monet", "monet2photo"), ("ukiyoe", "ukiyoe2photo")):
        extracted = root / config
        fixtures.write_cyclegan_folder(extracted / config, counts=counts)
        with (
            mock.patch.object(
                tfds.download.DownloadManager, "download_and_extract", return_value=str(extracted)
            ),
            mock.patch.object(pix2pix, "unreachable_reason", return_value=None),
        ):
            pipeline.prepare_builder(get_task(task_name), data_dir)
    return data_dir


@pytest.mark.parametrize("name", ["monet", "ukiyoe"])
def test_unpaired_task_translates_photo_to_art(name, cycle_gan_data_dir):
    task = get_task(name)
    dataset = pipeline.make_dataset(
        task, "test", 16, 8, training=False, data_dir=cycle_gan_data_dir, drop_remainder=False
    )
    (inputs, targets), = list(dataset)
    # Every input (testB photos, blue) once; the art (testA, red) cycles alongside.
    assert inputs.shape == targets.shape == (3, 16, 16, 3)
    assert _is_colour(inputs, fixtures.BLUE) and _is_colour(targets, fixtures.RED)
    assert pipeline.num_examples(task, "test", cycle_gan_data_dir) == 3
    targets = list(pipeline.target_images(task, "train", 16, cycle_gan_data_dir))
    assert len(targets) == 2 and _is_colour(targets, fixtures.RED)


def test_paired_task_offline_gives_only_the_sentence(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pix2pix, "PIX2PIX_URL_ROOT", "http://127.0.0.1:9/pix2pix/datasets")
    with pytest.raises(DatasetUnavailableError) as raised:
        pipeline.num_examples(get_task("facades"), "train", data_dir=str(tmp_path))
    manual_path = tmp_path / "downloads" / "manual" / "facades.tar.gz"
    assert str(raised.value).endswith(f"place it at {manual_path}, then run again.")
    assert capsys.readouterr().out == ""  # TFDS never started preparing


def test_unpaired_task_offline_names_the_zip_and_where_to_put_it(tmp_path, monkeypatch):
    url = "http://127.0.0.1:9/cyclegan/datasets/monet2photo.zip"
    monkeypatch.setattr(
        pipeline, "_cycle_gan_archive", lambda builder, config: (url, "monet2photo.zip")
    )
    with pytest.raises(DatasetUnavailableError) as raised:
        pipeline.num_examples(get_task("monet"), "train", data_dir=str(tmp_path))
    manual_path = tmp_path / "downloads" / "manual" / "monet2photo.zip"
    assert str(raised.value) == (
        f"Cannot download {url} (127.0.0.1:9 refused the connection): fetch that file on a "
        f"machine with internet access and place it at {manual_path}, then run again."
    )


@pytest.mark.parametrize("name", builtin_tasks.PAIRED_TASKS + builtin_tasks.UNPAIRED_TASKS)
def test_toy_task_input_and_target_are_the_stored_ones(name, tmp_path):
    task = get_task(name)
    size = builtin_tasks.NATIVE_SIZE
    # Four examples per split instead of hundreds: the direction is the same.
    with (
        mock.patch.dict(builtin_tasks.PAIRED_SPLIT_SIZES, {"train": 4, "test": 4}),
        mock.patch.dict(
            builtin_tasks.UNPAIRED_SPLIT_SIZES, {"trainA": 4, "trainB": 4, "testA": 4, "testB": 4}
        ),
    ):
        builder = builtin_builder.prepare(name, str(tmp_path))
    dataset = pipeline.make_dataset(task, "test", size, 4, training=False, data_dir=str(tmp_path))
    inputs, targets = next(iter(dataset))
    if task.paired:
        stored = list(tfds.as_numpy(builder.as_dataset(split="test").take(4)))
        stored_inputs = [example["input"] for example in stored]
        stored_targets = [example["target"] for example in stored]
    else:  # photos (B) are the input, the art (A) the target
        photos = tfds.as_numpy(builder.as_dataset(split="testB"))
        art = tfds.as_numpy(builder.as_dataset(split="testA"))
        stored_inputs = [example["image"] for example in photos]
        stored_targets = [example["image"] for example in art]
    np.testing.assert_allclose(inputs, np.stack(stored_inputs) / 127.5 - 1.0, atol=1e-5)
    np.testing.assert_allclose(targets, np.stack(stored_targets) / 127.5 - 1.0, atol=1e-5)


# ---------------------------------------------------------------------------
# Pipeline behaviour
# ---------------------------------------------------------------------------


def test_batches_are_float32_in_unit_range_at_the_requested_size():
    task = get_task("facades")
    dataset = pipeline.make_dataset(
        task, "train", 32, 4, training=True, jitter=True, data_dir=fixtures.pix2pix_data_dir()
    )
    spec = dataset.element_spec
    assert spec[0].shape.as_list() == spec[1].shape.as_list() == [4, 32, 32, 3]
    assert spec[0].dtype == spec[1].dtype == tf.float32
    # Training repeats: more batches than the 3 training examples hold.
    for inputs, targets in dataset.take(3):
        for images in (inputs.numpy(), targets.numpy()):
            assert images.min() >= -1.0 and images.max() <= 1.0


def test_evaluation_is_one_pass_in_a_fixed_order_with_the_last_small_batch():
    task = get_task("facades")
    data_dir = fixtures.pix2pix_data_dir()
    assert pipeline.num_examples(task, "train", data_dir) == 3

    def batch_sizes_of_one_pass():
        dataset = pipeline.make_dataset(
            task, "train", 16, 2, training=False, data_dir=data_dir, drop_remainder=False
        )
        return [inputs.shape[0] for inputs, _ in dataset]

    assert batch_sizes_of_one_pass() == [2, 1] == batch_sizes_of_one_pass()


@pytest.fixture(scope="module")
def gradient_data_dir(tmp_path_factory):
    """maps with both halves of every pair the same asymmetric picture."""
    data_dir = tmp_path_factory.mktemp("gradient_tfds")
    fixtures.write_pix2pix_archive(
        data_dir / "downloads" / "manual",
        "maps",
        counts={"train": 6, "val": 2},
        pair=fixtures.gradient_pair_array(16),
    )
    return str(data_dir)


def _batches(data_dir, seed, count=3):
    dataset = pipeline.make_dataset(
        get_task("maps"), "train", 16, 4, training=True, jitter=True, seed=seed, data_dir=data_dir
    )
    return [tuple(tensor.numpy() for tensor in batch) for batch in dataset.take(count)]


def test_jitter_crops_and_flips_input_and_target_together(gradient_data_dir):
    batches = _batches(gradient_data_dir, seed=0, count=4)
    for inputs, targets in batches:
        np.testing.assert_allclose(inputs, targets, atol=0.02)
    # The jitter did something: flipped and shifted copies of one picture differ.
    images = np.concatenate([inputs for inputs, _ in batches])
    assert len({image.round(1).tobytes() for image in images}) > 1
    # A flip reverses the dark-to-bright ramp along the width: some images have it.
    left, right = images[:, 8, 0, 0], images[:, 8, -1, 0]
    assert (left < right).any() and (left > right).any()


def test_same_seed_same_batches_other_seed_other_batches(gradient_data_dir):
    first, again, other = (_batches(gradient_data_dir, seed) for seed in (3, 3, 4))
    for (inputs, targets), (inputs_again, targets_again) in zip(first, again):
        np.testing.assert_array_equal(inputs, inputs_again)
        np.testing.assert_array_equal(targets, targets_again)
    assert any(
        not np.array_equal(inputs, inputs_other)
        for (inputs, _), (inputs_other, _) in zip(first, other)
    )


def test_split_too_big_to_cache_is_streamed_with_the_same_batches(gradient_data_dir, monkeypatch):
    cached = _batches(gradient_data_dir, seed=5)
    monkeypatch.setattr(pipeline, "MEMORY_CACHE_BYTES", 0)
    streamed = _batches(gradient_data_dir, seed=5)
    for (inputs, targets), (inputs_streamed, targets_streamed) in zip(cached, streamed):
        np.testing.assert_array_equal(inputs, inputs_streamed)
        np.testing.assert_array_equal(targets, targets_streamed)


def test_unknown_split_is_refused():
    with pytest.raises(DatasetError, match=r"Task 'monet' has splits train, test, not 'val'\."):
        pipeline.make_dataset(get_task("monet"), "val", 16, 2, training=False)
