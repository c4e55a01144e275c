"""Tests of the long built-in sequence `--tasks=toy10` (the datasets/builtin package)."""

from unittest import mock

import numpy as np
import pytest
from test_builtin_tasks import _nearest_centroid_accuracy

from datasets import builtin as builtin_tasks
from datasets import pipeline
from datasets import tasks as task_registry
from datasets.builtin import EXTRA_PAIRED_TASKS, INPUT_DOMAINS, NATIVE_SIZE, TOY10_TASKS, drawing, make_example
from datasets.builtin import builder as builtin_builder
from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.training import trainer

IMAGE_SHAPE = (NATIVE_SIZE, NATIVE_SIZE, 3)


def _domain_input(domain, rng):
    """A domain's input image drawn from `rng`, by the generators the tasks share."""
    if domain == "photo":
        return builtin_tasks.make_photo(rng)
    if domain == "label_map":
        return builtin_tasks.STREET_LABEL_COLOURS[builtin_tasks.make_street_layout(rng)]
    if domain == "edge_map":
        bag, seams = builtin_tasks.make_bag_shape(rng)
        edges = (bag & ~drawing.erode(bag)) | seams
        return np.where(edges[..., None], 0, 255).astype(np.uint8) * np.ones(3, np.uint8)
    raise AssertionError(f"no shared generator for {domain}")


def _shared_domains():
    by_domain = {}
    for name in TOY10_TASKS:
        by_domain.setdefault(INPUT_DOMAINS[name], []).append(name)
    return {domain: names for domain, names in by_domain.items() if len(names) > 1}


def test_toy10_is_ten_paired_tasks_some_sharing_an_input_domain():
    tasks = task_registry.parse_tasks("toy10")
    assert [task.name for task in tasks] == list(TOY10_TASKS)
    assert len(tasks) >= 10 and all(task.paired and task.source == "builtin" for task in tasks)
    # The default sequence comes first, unchanged; the new tasks follow.
    assert TOY10_TASKS == builtin_tasks.PAIRED_TASKS + EXTRA_PAIRED_TASKS
    assert set(_shared_domains()) == {"photo", "label_map", "edge_map"}
    assert len({INPUT_DOMAINS[name] for name in TOY10_TASKS}) == 5  # two domains of their own


@pytest.mark.parametrize("task_name", EXTRA_PAIRED_TASKS)
def test_new_task_examples_are_deterministic_uint8_images(task_name):
    first = make_example(task_name, "train", 3)
    assert set(first) == {"input", "target"}
    for key in ("input", "target"):
        assert first[key].shape == IMAGE_SHAPE and first[key].dtype == np.uint8
        np.testing.assert_array_equal(first[key], make_example(task_name, "train", 3)[key])
        assert not np.array_equal(first[key], make_example(task_name, "train", 4)[key])
        assert not np.array_equal(first[key], make_example(task_name, "test", 3)[key])
        # Images use most of the range, not a sliver of it.
        assert first[key].max() - first[key].min() > 100
    assert np.abs(first["input"].astype(int) - first["target"]).mean() > 20


def test_tasks_said_to_share_a_domain_draw_inputs_from_one_generator():
    for domain, names in _shared_domains().items():
        for name in names:
            for split, index in (("train", 0), ("train", 7), ("test", 2)):
                rng = builtin_tasks.example_rng(name, split, index)
                np.testing.assert_array_equal(
                    make_example(name, split, index)["input"], _domain_input(domain, rng)
                )
        # Same distribution: a colour-histogram classifier is near chance on the inputs.
        train = [[make_example(name, "train", i)["input"] for i in range(60)] for name in names]
        test = [[make_example(name, "test", i)["input"] for i in range(60)] for name in names]
        assert _nearest_centroid_accuracy(train, test) < 1.0 / len(names) + 0.2, domain


def test_tasks_on_one_domain_render_the_same_input_very_differently():
    street = builtin_tasks.make_street_layout(builtin_tasks.example_rng("toy_labels2night", "train", 0))
    night, day = builtin_tasks.render_night(street), builtin_tasks.render_street(street)
    assert np.abs(night.astype(int) - day).mean() > 40
    np.testing.assert_array_equal(
        make_example("toy_labels2night", "train", 0)["target"], night
    )
    photos = [make_example("toy_photo2sketch", "train", i)["input"] for i in range(10)]
    renderers = builtin_tasks.PHOTO_RENDERERS
    assert set(renderers) == {name for name in TOY10_TASKS if INPUT_DOMAINS[name] == "photo"}
    for photo in photos:
        targets = {name: render(photo).astype(int) for name, render in renderers.items()}
        for first in targets:
            for second in targets:
                if first < second:
                    assert np.abs(targets[first] - targets[second]).mean() > 30, (first, second)
    # Same edge map, other filling.
    bags = [make_example(name, "test", 5) for name in ("toy_edges2bags", "toy_edges2canvas")]
    bag, _ = builtin_tasks.make_bag_shape(builtin_tasks.example_rng("toy_edges2bags", "test", 5))
    canvas = builtin_tasks.TOY_TASKS["toy_edges2canvas"].pair(builtin_tasks.example_rng("toy_edges2bags", "test", 5))
    np.testing.assert_array_equal(canvas["input"], bags[0]["input"])
    difference = np.abs(canvas["target"].astype(int) - bags[0]["target"]).mean(-1)
    assert difference[bag].mean() > 60


def test_all_ten_target_domains_are_pairwise_separable():
    train = [[make_example(name, "train", i)["target"] for i in range(40)] for name in TOY10_TASKS]
    test = [[make_example(name, "test", i)["target"] for i in range(40)] for name in TOY10_TASKS]
    assert _nearest_centroid_accuracy(train, test) >= 0.95


def test_new_domains_are_flat_label_colours_rendered_by_a_function_of_the_classes():
    for name, palette, render in (
        ("toy_maps2aerial", builtin_tasks.MAP_LABEL_COLOURS, builtin_tasks.render_aerial),
        ("toy_labels2facade", builtin_tasks.FACADE_LABEL_COLOURS, builtin_tasks.render_facade),
    ):
        example = make_example(name, "test", 4)
        matches = (example["input"][..., None, :] == palette).all(-1)
        assert matches.any(-1).all(), name
        classes = matches.argmax(-1)
        assert len(np.unique(classes)) >= 3, name
        np.testing.assert_array_equal(example["target"], render(classes))


def test_toy10_is_accepted_by_the_flags_with_the_toy_sizes():
    config, tasks, _ = trainer.prepare_config(config_lib.TrainConfig(tasks="toy10"))
    assert [task.name for task in tasks] == list(TOY10_TASKS)
    assert (config.image_size, config.ngf, config.steps_per_task) == (32, 16, 400)
    assert config.tasks == "toy10"
    with pytest.raises(task_registry.DatasetError, match="appears twice"):
        trainer.prepare_config(config_lib.TrainConfig(tasks="toy10,toy_photo2warm"))


def test_a_new_task_goes_through_tfds_and_the_pipeline_in_range(tmp_path):
    task = task_registry.get_task("toy_labels2facade")
    with mock.patch.dict(builtin_tasks.PAIRED_SPLIT_SIZES, {"train": 4, "test": 4}):
        builtin_builder.prepare(task.name, str(tmp_path))
    inputs, targets = next(
        iter(pipeline.make_dataset(task, "test", 32, 4, training=False, data_dir=str(tmp_path)))
    )
    for images in (inputs, targets):
        assert images.shape == (4, 32, 32, 3)
        assert -1.0 <= float(np.min(images)) and float(np.max(images)) <= 1.0
