"""Trivial baselines beside each just-learned score: the mean-colour prediction for
paired tasks, another input's output for the structure score of unpaired ones."""

import dataclasses
import json

import datasets_fixtures as fixtures
import numpy as np
import pytest
import tensorflow as tf

from datasets.tasks import parse_tasks
from hyper_lifelong_gan.config import TrainConfig
from hyper_lifelong_gan.evaluation import scores as evaluation
from hyper_lifelong_gan.reporting import tables
from hyper_lifelong_gan.training import trainer

BLACK, WHITE = (0, 0, 0), (255, 255, 255)


def _pairs_folder(root):
    """Train targets: two black, two white (mean colour mid-grey); test target: white."""
    for folder, colours in (("train", (BLACK, WHITE, BLACK, WHITE)), ("test", (WHITE,))):
        (root / folder).mkdir(parents=True)
        for index, colour in enumerate(colours):
            pair = np.concatenate([fixtures.solid(16, 16, fixtures.RED), fixtures.solid(16, 16, colour)], axis=1)
            (root / folder / f"{index}.png").write_bytes(fixtures.image_bytes(pair, "PNG"))
    return root


def test_mean_colour_baseline_predicts_the_training_targets_mean_colour(tmp_path):
    (task,) = parse_tasks(f"greys={_pairs_folder(tmp_path / 'greys')}")
    config = dataclasses.replace(
        TrainConfig(), image_size=16, batch_size=2, data_dir=str(tmp_path / "tfds"), eval_examples=0
    )
    np.testing.assert_allclose(evaluation.mean_target_colour(task, config), [0.0, 0.0, 0.0], atol=1e-6)
    scores = evaluation.mean_colour_scores(task, config)
    # A flat mid-grey (0) against a white (1) target: L1 1, PSNR 20 log10(1 / 0.5) dB.
    assert scores["l1"] == pytest.approx(1.0, abs=1e-5)
    assert scores["psnr"] == pytest.approx(20 * np.log10(2.0), abs=1e-3)


def _images(seed, count=6, size=16):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, (count, size, size, 3)), tf.float32)


def test_structure_score_tells_a_translation_from_a_texture():
    inputs = tf.image.resize(_images(0, size=4), (16, 16))  # smooth, so SSIM sees structure
    # A colour change keeps each input's structure: far above another input's output.
    own, other = evaluation.structure_scores(inputs, 0.8 * inputs * tf.constant([1.0, 0.7, 0.4]) + 0.1)
    assert own > 0.8 and own - other > 0.5
    # One texture whatever the input: its own input no better than another's.
    texture = tf.repeat(_images(1, count=1), 6, axis=0)
    own, other = evaluation.structure_scores(inputs, texture)
    assert own == pytest.approx(other, abs=1e-6)


def test_baselines_land_in_results_and_in_the_printed_table():
    results = {"method": "m", "tasks": ["a", "b"], "metrics": {"l1": []}, "params": []}
    trainer.record_stage(results, 0, {"l1": [0.1], "baseline_l1": [0.3]}, 10, 2)
    trainer.record_stage(results, 1, {"l1": [0.15, 0.2], "baseline_l1": [0.3, 0.4]}, 20, 2)
    assert results["metrics"] == {"l1": [[0.1, None], [0.15, 0.2]]}
    assert results["baselines"] == {"l1": [[0.3, None], [0.3, 0.4]]}
    json.dumps(results)  # what results.json holds
    lines = trainer.print_tables(results, stream=open("/dev/null", "w")).splitlines()
    assert lines[-2:] == ["| just learned | 0.10 | 0.20 | 0.15 |", "| baseline | 0.30 | 0.40 | 0.35 |"]


def test_baseline_rows_of_a_stage_dependent_baseline():
    table = tables.continual_matrix_table(
        "structure", ["a", "b"], [[0.5, None], [0.4, 0.6]], baseline=[[0.1, None], [0.2, 0.3]]
    )
    assert table.splitlines()[-4:] == [
        "| forgetting | 0.10 | - | 0.10 |",
        "| just learned | 0.50 | 0.60 | 0.55 |",
        "| baseline | 0.10 | 0.30 | 0.20 |",
        "| baseline after last | 0.20 | 0.30 | 0.25 |",
    ]
    with pytest.raises(ValueError, match="baseline matrix must be 2 x 2"):
        tables.continual_matrix_table("l1", ["a", "b"], [[0.5, None], [0.4, 0.6]], baseline=[[0.1]])


def test_a_recorded_baseline_is_recalled_not_computed_again(tmp_path, monkeypatch):
    # A later process of a run (the next block of tasks, a resume) reads each task's
    # mean-colour baseline from results.json; a task with none recorded is computed.
    greys, blacks = parse_tasks(f"greys={_pairs_folder(tmp_path / 'greys')},"
                                f"blacks={_pairs_folder(tmp_path / 'blacks')}")
    config = dataclasses.replace(
        TrainConfig(), image_size=16, batch_size=2, data_dir=str(tmp_path / "tfds"), eval_examples=0
    )
    monkeypatch.setattr(evaluation, "_MEAN_COLOUR_SCORES", {})
    recorded = {"l1": [[None, None], [0.25, None]], "psnr": [[None, None], [12.0, None]],
                "ssim": [[None, None], [0.5, None]]}
    evaluation.recall_mean_colour_scores([greys, blacks], config, recorded)
    computed = []
    monkeypatch.setattr(evaluation, "mean_target_colour",
                        lambda task, config: computed.append(task.name) or np.zeros(3))
    assert evaluation.mean_colour_scores(greys, config) == {"l1": 0.25, "psnr": 12.0, "ssim": 0.5}
    assert computed == []
    assert evaluation.mean_colour_scores(blacks, config)["l1"] == pytest.approx(1.0, abs=1e-5)
    assert computed == ["blacks"]
