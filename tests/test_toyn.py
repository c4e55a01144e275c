"""Tests of the `toyN` family of built-in toy tasks (datasets/builtin/toyn.py)."""

import hashlib
import itertools
import os
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest

from datasets import tasks as task_registry
from datasets.builtin import FAMILY_TASKS, PAIRED_SPLIT_SIZES, TOY10_TASKS, make_example, recolourings, toyn
from datasets.builtin import builder as builtin_builder
from datasets.builtin.drawing import to_float, to_uint8
from datasets.builtin.toy_task import ToyTask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# sha256 of input + target bytes of toy_photo2gbr train example 0.
GOLDEN_DIGEST = "26a2ce36d8b37015b9cf113be25696d6a94318509ec2b85e44084dd095c3e519"


def test_the_family_is_every_domain_with_every_recolouring_once():
    pairs = [name.removeprefix("toy_").split("2", 1) for name in FAMILY_TASKS]
    assert len(FAMILY_TASKS) == len(set(FAMILY_TASKS)) == len(toyn.FAMILY_DOMAINS) * len(recolourings.MAPPINGS)
    assert len(FAMILY_TASKS) >= 100
    assert sorted(map(tuple, pairs)) == sorted(itertools.product(toyn.FAMILY_DOMAINS, recolourings.MAPPINGS))
    assert not set(FAMILY_TASKS) & set(TOY10_TASKS)
    # Domains take turns: every eight tasks ask two outputs of each domain.
    for start in range(0, len(FAMILY_TASKS) - 7, 8):
        domains = [pair[0] for pair in pairs[start : start + 8]]
        assert sorted(domains) == sorted(list(toyn.FAMILY_DOMAINS) * 2)


def test_tasks_on_one_input_ask_pairwise_different_outputs():
    # Same inputs through every recolouring: each pair of targets differs by more than
    # 8 of 255 levels on average (3% of the range) on every input, so no two of the
    # family's tasks are the same mapping; none is the identity either.
    for domain, (draw, _, _) in toyn.FAMILY_DOMAINS.items():
        inputs = np.stack([draw(np.random.default_rng([7, index])) for index in range(3)])
        targets = {
            name: np.stack([to_uint8(mapping(to_float(image))) for image in inputs]).astype(int)
            for name, mapping in recolourings.MAPPINGS.items()
        }
        for first, second in itertools.combinations(targets, 2):
            gaps = np.abs(targets[first] - targets[second]).mean(axis=(1, 2, 3))
            assert gaps.min() > 8, (domain, first, second, gaps)
        for name, target in targets.items():
            assert np.abs(target - inputs).mean(axis=(1, 2, 3)).min() > 8, (domain, name)


def test_an_example_is_its_domains_input_and_the_recolouring_of_it():
    name = "toy_street2fire"
    example = make_example(name, "test", 3)
    task = toyn.TASKS[FAMILY_TASKS.index(name)]
    draw, _, _ = toyn.FAMILY_DOMAINS["street"]
    np.testing.assert_array_equal(example["input"], draw(task.rng("test", 3)))
    fire = recolourings.MAPPINGS["fire"]
    np.testing.assert_array_equal(example["target"], to_uint8(fire(to_float(example["input"]))))


def test_examples_are_deterministic_and_differ_by_index_and_split():
    for name in (FAMILY_TASKS[0], FAMILY_TASKS[56], FAMILY_TASKS[-1]):
        first, again = make_example(name, "train", 5), make_example(name, "train", 5)
        for key in ("input", "target"):
            assert first[key].shape == (64, 64, 3) and first[key].dtype == np.uint8
            assert first[key].tobytes() == again[key].tobytes()
            assert first[key].tobytes() != make_example(name, "train", 6)[key].tobytes()
            assert first[key].tobytes() != make_example(name, "test", 5)[key].tobytes()
    # The bytes are part of the dataset's version: a change here needs a new version.
    example = make_example("toy_photo2gbr", "train", 0)
    digest = hashlib.sha256(example["input"].tobytes() + example["target"].tobytes()).hexdigest()
    assert digest == GOLDEN_DIGEST


def test_toyN_is_a_prefix_of_one_list():
    assert [task.name for task in task_registry.parse_tasks("toy1")] == [FAMILY_TASKS[0]]
    hundred = [task.name for task in task_registry.parse_tasks("toy100")]
    assert hundred == list(FAMILY_TASKS[:100])
    for count in (2, 9, 11, 57, 99):
        names = [task.name for task in task_registry.parse_tasks(f"toy{count}")]
        assert names == list(FAMILY_TASKS[:count])
    assert all(task.paired and task.source == "builtin" for task in task_registry.parse_tasks("toy12"))
    # toy10 stays the ten hand-drawn tasks its numbers were measured on.
    assert [task.name for task in task_registry.parse_tasks("toy10")] == list(TOY10_TASKS)
    # A family task is also accepted by its own name (as a run folder records it).
    assert task_registry.parse_tasks("toy_waves2fire")[0].name == "toy_waves2fire"


def test_toy_conflict10_asks_ten_outputs_of_one_domain():
    tasks = task_registry.parse_tasks("toy_conflict10")
    assert len(tasks) == len({task.name for task in tasks}) == 10
    assert {task.name for task in tasks} <= set(FAMILY_TASKS)
    assert {task.name.split("2", 1)[0] for task in tasks} == {"toy_photo"}


@pytest.mark.parametrize("spec", ["toy101", "toy500"])
def test_toyN_beyond_the_family_is_one_sentence(spec):
    with pytest.raises(task_registry.DatasetError) as raised:
        task_registry.parse_tasks(spec)
    message = str(raised.value)
    assert message.startswith(f"--tasks={spec} asks for") and f"N from 1 to {len(FAMILY_TASKS)}" in message
    assert "\n" not in message and message.endswith(".")


def test_help_names_the_family_not_its_tasks():
    assert "toyN" in task_registry.TASKS_HELP and "toy_conflict10" in task_registry.TASKS_HELP
    assert not any(name in task_registry.TASKS_HELP for name in FAMILY_TASKS)
    assert not set(FAMILY_TASKS) & set(task_registry.task_names())


def test_preparing_one_task_draws_only_that_task(tmp_path):
    name = FAMILY_TASKS[56]
    drawn = []
    real_example = ToyTask.example

    def spy(task, split, index):
        drawn.append(task.name)
        return real_example(task, split, index)

    with mock.patch.dict(PAIRED_SPLIT_SIZES, {"train": 3, "test": 2}), mock.patch.object(ToyTask, "example", spy):
        builder = builtin_builder.prepare(name, str(tmp_path))
    assert drawn == [name] * 5
    prepared = [entry for entry in os.listdir(tmp_path / "builtin_tasks") if not entry.startswith(".")]
    assert prepared == [name]
    assert builder.info.splits["train"].num_examples == 3


def test_importing_the_package_computes_no_image():
    code = (
        "import datasets.builtin as builtin\n"
        "from datasets.builtin import drawing, textures\n"
        "cached = [drawing.pixel_grid, drawing.index_grid, textures.checker, textures.brick_mortar]\n"
        "assert all(function.cache_info().currsize == 0 for function in cached)\n"
        "builtin.make_example('toy_photo2warm', 'train', 0)\n"
        "assert drawing.pixel_grid.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)

