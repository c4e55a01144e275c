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


def test_markdown_shows_the_first_and_last_tasks_timings_of_every_row():
    timings = {"translate_task_0": 0.002, "serving_default_task_0": 0.003}
    rows = [dict(tasks=1, params=10, formula_params=10, saved_model_bytes=2000, variables_bytes=1000,
                 export_seconds=1.0, load_seconds=2.0, timings=timings, image_size=32),
            dict(tasks=3, params=30, formula_params=30, saved_model_bytes=4000, variables_bytes=3000,
                 export_seconds=1.5, load_seconds=2.5, image_size=32,
                 timings={**timings, "translate_task_2": 0.004, "serving_default_task_2": 0.005})]
    lines = bench.markdown(rows, "toy").splitlines()
    assert lines[-2].endswith("| 2.0 | 2.0 | 3.0 | 3.0 |")
    assert lines[-1].endswith("| 1.5 | 2.5 | 2.0 | 4.0 | 3.0 | 5.0 |")
