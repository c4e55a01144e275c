"""Tests of the built-in toy tasks (the datasets/builtin package)."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from datasets import builtin as builtin_tasks
from datasets.builtin import (
    DESCRIPTIONS,
    NATIVE_SIZE,
    PAIRED_TASKS,
    UNPAIRED_TASKS,
    drawing,
    make_example,
)
from datasets.builtin import builder as builtin_builder

IMAGE_SHAPE = (NATIVE_SIZE, NATIVE_SIZE, 3)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


def _colour_histogram(image, bins_per_channel=4):
    """Normalised joint RGB histogram: a cheap stand-in for a domain classifier's features."""
    quantised = image.reshape(-1, 3).astype(np.int64) * bins_per_channel // 256
    codes = (quantised[:, 0] * bins_per_channel + quantised[:, 1]) * bins_per_channel
    codes += quantised[:, 2]
    return np.bincount(codes, minlength=bins_per_channel**3) / len(codes)


def _nearest_centroid_accuracy(train_sets, test_sets):
    """Accuracy of a nearest-centroid classifier on colour histograms; one set per class."""
    centroids = np.stack(
        [np.mean([_colour_histogram(image) for image in images], axis=0) for images in train_sets]
    )
    correct = total = 0
    for label, images in enumerate(test_sets):
        for image in images:
            distances = np.abs(centroids - _colour_histogram(image)).sum(axis=1)
            correct += int(distances.argmin() == label)
            total += 1
    return correct / total


def test_constants_name_every_task():
    assert len(PAIRED_TASKS) == 4 and len(UNPAIRED_TASKS) == 2
    assert all(name.startswith("toy_") for name in PAIRED_TASKS + UNPAIRED_TASKS)
    toy10 = builtin_tasks.TOY10_TASKS
    assert toy10[:4] == PAIRED_TASKS and len(set(toy10)) == len(toy10) == 10
    assert all(name.startswith("toy_") for name in toy10)
    every_task = set(toy10 + UNPAIRED_TASKS + builtin_tasks.FAMILY_TASKS)
    assert set(DESCRIPTIONS) == every_task == set(builtin_tasks.INPUT_DOMAINS) == set(builtin_tasks.TOY_TASKS)
    config_names = [config.name for config in builtin_builder.BuiltinTasks.BUILDER_CONFIGS]
    assert sorted(config_names) == sorted(every_task)
    # The name and version fix where TFDS keeps the data: prepared data stays valid.
    assert builtin_builder.BuiltinTasks.name == "builtin_tasks"
    assert str(builtin_builder.BuiltinTasks.VERSION) == "1.1.0"


@pytest.mark.parametrize("task_name", PAIRED_TASKS)
def test_paired_example_shapes_and_determinism(task_name):
    first = make_example(task_name, "train", 3)
    again = make_example(task_name, "train", 3)
    other_index = make_example(task_name, "train", 4)
    test_split = make_example(task_name, "test", 3)
    assert set(first) == {"input", "target"}
    for key in ("input", "target"):
        assert first[key].shape == IMAGE_SHAPE and first[key].dtype == np.uint8
        np.testing.assert_array_equal(first[key], again[key])
        assert not np.array_equal(first[key], other_index[key])
        assert not np.array_equal(first[key], test_split[key])
    # Input and target are different images (the task is not the identity).
    assert np.abs(first["input"].astype(int) - first["target"]).mean() > 20


@pytest.mark.parametrize("task_name", UNPAIRED_TASKS)
def test_unpaired_example_shapes_and_determinism(task_name):
    for split, label in (("trainA", 0), ("trainB", 1), ("testA", 0), ("testB", 1)):
        example = make_example(task_name, split, 5)
        assert example["label"] == label
        assert example["image"].shape == IMAGE_SHAPE and example["image"].dtype == np.uint8
        np.testing.assert_array_equal(example["image"], make_example(task_name, split, 5)["image"])
        assert not np.array_equal(example["image"], make_example(task_name, split, 6)["image"])
    assert not np.array_equal(
        make_example(task_name, "trainA", 0)["image"], make_example(task_name, "testA", 0)["image"]
    )


def test_unknown_task_or_split_is_a_clear_error():
    with pytest.raises(ValueError, match="toy_photo2warm"):
        make_example("cityscapes", "train", 0)
    with pytest.raises(ValueError, match="trainA"):
        make_example("toy_photo2monet", "train", 0)
    with pytest.raises(IndexError):
        make_example("toy_photo2warm", "test", 100)


def test_photo_tasks_share_the_input_generator_but_not_the_targets():
    warm, cool = "toy_photo2warm", "toy_photo2cool"
    assert builtin_tasks.INPUT_DOMAINS[warm] == builtin_tasks.INPUT_DOMAINS[cool] == "photo"
    for task_name in (warm, cool):
        for index in range(5):
            rng = builtin_tasks.example_rng(task_name, "train", index)
            example = make_example(task_name, "train", index)
            np.testing.assert_array_equal(example["input"], builtin_tasks.make_photo(rng))
            # The target is a pure function of the stored input.
            renderer = builtin_tasks.PHOTO_RENDERERS[task_name]
            np.testing.assert_array_equal(example["target"], renderer(example["input"]))
    # Same distribution: a colour-histogram classifier cannot tell the inputs apart...
    inputs = {name: [make_example(name, "train", i)["input"] for i in range(100)] for name in (warm, cool)}
    test_inputs = {name: [make_example(name, "test", i)["input"] for i in range(100)] for name in (warm, cool)}
    accuracy = _nearest_centroid_accuracy(
        [inputs[warm], inputs[cool]], [test_inputs[warm], test_inputs[cool]]
    )
    assert accuracy < 0.7
    # ...yet the same photo is rendered very differently by the two tasks.
    for photo in inputs[warm][:20]:
        warm_target = builtin_tasks.render_warm(photo).astype(int)
        cool_target = builtin_tasks.render_cool(photo).astype(int)
        assert np.abs(warm_target - cool_target).mean() > 50


def test_street_target_is_a_function_of_the_label_map():
    example = make_example("toy_labels2street", "test", 7)
    palette = builtin_tasks.STREET_LABEL_COLOURS
    matches = (example["input"][..., None, :] == palette).all(-1)
    assert matches.any(-1).all(), "label maps hold only flat class colours"
    classes = matches.argmax(-1)
    np.testing.assert_array_equal(example["target"], builtin_tasks.render_street(classes))


def test_edge_maps_are_thin_dark_lines_on_white():
    edge_map = make_example("toy_edges2bags", "train", 0)["input"]
    assert set(np.unique(edge_map)) == {0, 255}
    assert 0.02 < (edge_map[..., 0] == 0).mean() < 0.2


def test_paired_target_domains_are_separable_by_colour_histograms():
    train_sets = [[make_example(t, "train", i)["target"] for i in range(100)] for t in PAIRED_TASKS]
    test_sets = [[make_example(t, "test", i)["target"] for i in range(100)] for t in PAIRED_TASKS]
    assert _nearest_centroid_accuracy(train_sets, test_sets) >= 0.95


def test_unpaired_art_domains_are_separable_from_each_other_and_from_photos():
    def images(task_name, split):
        return [make_example(task_name, split, i)["image"] for i in range(60)]

    train_sets = [images(t, "trainA") for t in UNPAIRED_TASKS]
    test_sets = [images(t, "testA") for t in UNPAIRED_TASKS]
    assert _nearest_centroid_accuracy(train_sets, test_sets) >= 0.95
    # Each task's photo side B comes from the shared photo generator.
    rng = builtin_tasks.example_rng("toy_photo2ukiyoe", "testB", 2)
    np.testing.assert_array_equal(
        make_example("toy_photo2ukiyoe", "testB", 2)["image"], builtin_tasks.make_photo(rng)
    )


def test_every_task_has_the_split_sizes_of_its_layout():
    for task_name in builtin_tasks.TOY10_TASKS:
        assert builtin_tasks.split_sizes(task_name) == {"train": 400, "test": 100}
    for task_name in UNPAIRED_TASKS:
        assert builtin_tasks.split_sizes(task_name) == {
            "trainA": 300,
            "trainB": 300,
            "testA": 60,
            "testB": 60,
        }


# Preparing goes through the same builder code for every config (only
# `make_example`, tested above for all tasks, differs), so one paired and one
# unpaired config keep the suite quick.
@pytest.mark.parametrize("task_name", ["toy_edges2bags"])
def test_prepare_paired_task(task_name, data_dir):
    builder = builtin_builder.prepare(task_name, data_dir=data_dir)
    assert builder.info.splits["train"].num_examples == 400
    assert builder.info.splits["test"].num_examples == 100
    assert set(builder.info.features.keys()) == {"input", "target"}
    generated = {make_example(task_name, "test", i)["target"].tobytes() for i in range(100)}
    for example in tfds.as_numpy(builder.as_dataset(split="test").take(3)):
        assert example["input"].shape == IMAGE_SHAPE and example["input"].dtype == np.uint8
        # TFDS may shuffle on write, so look the stored example up by content.
        assert example["target"].tobytes() in generated
    # A second call reuses the prepared files.
    again = builtin_builder.prepare(task_name, data_dir=data_dir)
    assert again.data_dir == builder.data_dir


@pytest.mark.parametrize("task_name", ["toy_photo2ukiyoe"])
def test_prepare_unpaired_task_matches_cycle_gan_layout(task_name, data_dir):
    builder = builtin_builder.prepare(task_name, data_dir=data_dir)
    splits = builder.info.splits
    assert set(splits.keys()) == {"trainA", "trainB", "testA", "testB"}
    assert [splits[s].num_examples for s in ("trainA", "trainB", "testA", "testB")] == [
        300,
        300,
        60,
        60,
    ]
    features = builder.info.features
    assert set(features.keys()) == {"image", "label"}
    assert features["label"].names == ["A", "B"]
    assert features["image"].shape == IMAGE_SHAPE
    for split, label in (("trainA", 0), ("testB", 1)):
        labels = [int(e["label"]) for e in tfds.as_numpy(builder.as_dataset(split=split))]
        assert set(labels) == {label}


def test_photo_targets_follow_brightness_relative_to_the_image():
    # The generator's instance norm drops each image's absolute brightness, so the
    # photo renderers map brightness stretched per image: a darker, flatter copy of
    # a photo lands on the same ramp positions.
    photo = drawing.to_float(make_example("toy_photo2warm", "train", 0)["input"])
    np.testing.assert_allclose(
        drawing.stretched_luminance(0.7 * photo + 0.1),
        drawing.stretched_luminance(photo),
        atol=0.01,
    )
