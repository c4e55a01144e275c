"""A loss that becomes NaN or Inf stops the run with one sentence, the bad state is
never checkpointed, and the run resumes from the last good checkpoint with a lower
--learning_rate (a higher one is refused)."""

import json

import pytest
import tensorflow as tf
from test_resume import logged_steps, tiny_config

from hyper_lifelong_gan.training import trainer
from hyper_lifelong_gan.training.steps import PairedTaskStep


def poison_step(monkeypatch, at_call, name):
    """The `at_call`-th step of this run reports `name` as NaN (the others are real)."""
    original = PairedTaskStep.__call__
    calls = []

    def step(self, *args):
        values = original(self, *args)
        calls.append(1)
        if len(calls) == at_call:
            values = dict(values, **{name: tf.constant(float("nan"))})
        return values

    monkeypatch.setattr(PairedTaskStep, "__call__", step)


def checkpoint_steps(workdir, task):
    state = tf.train.get_checkpoint_state(str(workdir / "checkpoints" / f"task_{task}"))
    return [int(tf.train.load_checkpoint(path).get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"))
            for path in state.all_model_checkpoint_paths]


def test_a_nan_loss_stops_the_run_keeps_the_last_good_checkpoint_and_resumes_with_a_lower_rate(
        tmp_path, toy_data_dir, run_eagerly):
    config = tiny_config(tmp_path, toy_data_dir, tasks="toy_labels2street", log_every=4, checkpoint_every=2,
                         lr_schedule="constant")  # so the rate logged is the rate given
    with pytest.MonkeyPatch.context() as patch:
        poison_step(patch, at_call=5, name="d_loss")  # between logs (4, 6) and after a save (4)
        with pytest.raises(trainer.NonFiniteLoss) as raised:
            trainer.train(config)
    message = str(raised.value)
    assert "d_loss loss became nan at step 5 of task 1 (toy_labels2street)" in message
    assert "last checkpoint (step 4) is kept" in message and "--learning_rate" in message
    assert "\n" not in message
    assert checkpoint_steps(tmp_path, 0) == [2, 4]  # nothing saved after the bad step
    assert logged_steps(tmp_path) == [(0, 4)]  # the bad window was not logged either

    # A higher rate is refused; a lower one resumes from step 4 and is what trains.
    with pytest.raises(trainer.ConfigMismatch, match="learning_rate"):
        trainer.train(tiny_config(tmp_path, toy_data_dir, tasks="toy_labels2street", log_every=2,
                                  checkpoint_every=2, learning_rate=1e-3, lr_schedule="constant"))
    lower = tiny_config(tmp_path, toy_data_dir, tasks="toy_labels2street", log_every=2, checkpoint_every=2,
                        learning_rate=5e-5, lr_schedule="constant")
    results = trainer.train(lower)
    assert len(results["params"]) == 1
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [record["step"] for record in records[1:]] == [6]
    assert records[-1]["learning_rate"] == pytest.approx(5e-5)
    assert json.loads((tmp_path / "run_config.json").read_text())["learning_rate"] == 5e-5
