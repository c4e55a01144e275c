"""benchmarks/export_scaling.py: the model it exports is a run's after T tasks; one tiny measurement."""

import pytest

from benchmarks import export_scaling as bench
from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.methods import get_method


def _tiny_config():
    return config_lib.resolve(config_lib.TrainConfig(method=bench.METHOD, ngf=4, n_blocks=1), toy=True)


def test_generators_built_at_once_have_the_structure_of_a_run_after_t_tasks():
    config = _tiny_config()
    for num_tasks in (1, 3):
        built = bench.generators_for(num_tasks, config)
        grown = get_method(bench.METHOD).rebuild(num_tasks, config_lib.generator_config(config))
        assert built.routes == grown.routes
        assert [tuple(w.shape) for w in built.models[0].weights] == [tuple(w.shape) for w in grown.models[0].weights]
    shared, per_task = bench.per_task_params(config)
    assert per_task > 0 and shared > 0
    assert bench.generators_for(5, config).count_params() == shared + 5 * per_task


@pytest.mark.slow
def test_measure_exports_and_times_a_two_task_model_in_a_fresh_process(tmp_path):
    config = _tiny_config()
    row = bench.measure(2, config, str(tmp_path), calls=2, per_task=bench.per_task_params(config))
    assert row["params"] == row["formula_params"]
    assert row["variables_bytes"] >= 4 * row["params"]  # float32 weights, plus the checkpoint's index
    assert row["saved_model_bytes"] > row["variables_bytes"]
    assert sorted(row["timings"]) == sorted(
        ["translate_task_0", "translate_task_1", "serving_default_task_0", "serving_default_task_1"])
    assert all(seconds > 0 for seconds in row["timings"].values())
