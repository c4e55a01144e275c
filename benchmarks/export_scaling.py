"""Exporting one SavedModel that serves T tasks: its size, export time and translation time against T.

    python benchmarks/export_scaling.py                          # toy sizes, T = 1, 10, 100
    python benchmarks/export_scaling.py --size=paper --tasks=1,10

For each T, an untrained Hyper-LifelongGAN generator with T task slots is built at the
toy sizes (the default run's model) or the paper's (128 px, ResNet-6, 64 filters), in the
structure a run has after T tasks (one shared model, slot j serving task j), and exported
as `export.py` does (`hyper_lifelong_gan.serving.export_saved_model`): an artifact's size
and speed depend on the model's structure, not on its weights' values. Reported per T:

- generator parameters, and shared + T x per-task (fitted at T = 1 and 2) x 4 bytes
  (float32) against the SavedModel's bytes (all of it, and its variables/);
- seconds to export (building the signatures' graphs and writing them);
- in a fresh Python process that cannot import this repository (as tests/test_export.py
  loads it): seconds to load the SavedModel, and the median seconds of --calls calls
  translating one image with `translate_<task>` and with `serving_default(images, task)`
  for the first task (index 0) and the last (T - 1), after one warm-up call each.

Prints a markdown table; --json writes the numbers too.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from hyper_lifelong_gan import config as config_lib  # noqa: E402
from hyper_lifelong_gan import inference, serving  # noqa: E402
from hyper_lifelong_gan.evaluation import generation as evaluation  # noqa: E402
from hyper_lifelong_gan.methods import TaskGenerators, get_method  # noqa: E402
from hyper_lifelong_gan.models import build_generator  # noqa: E402

METHOD = "hyper_lifelong_gan"

# Runs in a fresh interpreter, in a folder outside the repository and without PYTHONPATH.
TIMER = textwrap.dedent("""
    import json, statistics, sys, time
    start = time.perf_counter()
    import tensorflow as tf
    import_seconds = time.perf_counter() - start
    try:
        import hyper_lifelong_gan
        importable = True
    except ImportError:
        importable = False
    path, size, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    start = time.perf_counter()
    model = tf.saved_model.load(path)
    load_seconds = time.perf_counter() - start
    names = [name.decode() for name in model.task_names.numpy()]
    image = tf.random.stateless_uniform((1, size, size, 3), (0, 0), -1.0, 1.0)

    def median_seconds(function):
        function().numpy()  # warm-up: the first call of a concrete function sets it up
        seconds = []
        for _ in range(calls):
            start = time.perf_counter()
            function().numpy()
            seconds.append(time.perf_counter() - start)
        return statistics.median(seconds)

    timings = {}
    for index in sorted({0, len(names) - 1}):
        signature = model.signatures["translate_" + names[index]]
        timings[f"translate_task_{index}"] = median_seconds(lambda: signature(images=image)["translated"])
        default = model.signatures["serving_default"]
        timings[f"serving_default_task_{index}"] = median_seconds(
            lambda: default(images=image, task=tf.constant(index))["translated"])
    print(json.dumps(dict(importable=importable, tasks=len(names), load_seconds=load_seconds,
                          import_seconds=import_seconds, timings=timings)))
""")


def sized_config(size):
    return config_lib.resolve(config_lib.TrainConfig(method=METHOD), toy=size == "toy")


def generators_for(num_tasks, config):
    """An untrained Hyper-LifelongGAN generator with the structure of a run after
    `num_tasks` tasks, built at once (`method.rebuild` grows it task by task, which
    copies every weight T times)."""
    generator_config = get_method(METHOD).generator_config(config_lib.generator_config(config))
    model = build_generator(num_tasks=num_tasks, **generator_config)
    return TaskGenerators([model], [(0, task) for task in range(num_tasks)])


def trained_run(num_tasks, config):
    generators = generators_for(num_tasks, config)
    run = types.SimpleNamespace(task_names=[f"task_{task + 1}" for task in range(num_tasks)], config=config)
    return inference.TrainedRun(run=run, stage=num_tasks, direction="forward", generators=generators,
                                z=evaluation.eval_z(generators))


def load_and_time(path, image_size, calls):
    """The TIMER's measurements, from a fresh process that cannot import this repository."""
    outside = tempfile.mkdtemp(prefix="export_scaling_outside_")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    try:
        completed = subprocess.run(
            [sys.executable, "-c", TIMER, path, str(image_size), str(calls)], cwd=outside, env=env,
            capture_output=True, text=True, timeout=3600,
        )
    finally:
        shutil.rmtree(outside, ignore_errors=True)
    if completed.returncode != 0:
        raise RuntimeError(f"Loading {path} failed: {completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(num_tasks, config, folder, calls, per_task):
    trained = trained_run(num_tasks, config)
    params = trained.generators.count_params()
    path = os.path.join(folder, f"saved_model_{num_tasks}")
    start = time.perf_counter()
    serving.export_saved_model(trained, path)
    export_seconds = time.perf_counter() - start
    loaded = load_and_time(path, config.image_size, calls)
    if loaded["importable"] or loaded["tasks"] != num_tasks:
        raise RuntimeError(f"The loader could import the project or saw {loaded['tasks']} tasks.")
    shared, each = per_task
    row = dict(
        tasks=num_tasks, params=params, formula_params=shared + num_tasks * each,
        saved_model_bytes=serving.artifact_bytes(path),
        variables_bytes=serving.artifact_bytes(os.path.join(path, "variables")),
        export_seconds=export_seconds, **{key: loaded[key] for key in ("load_seconds", "timings")},
    )
    shutil.rmtree(path, ignore_errors=True)
    return row


def per_task_params(config):
    """(shared, per task): the generator's count is shared + T x per task (checked at T = 3)."""
    one, two, three = (generators_for(t, config).count_params() for t in (1, 2, 3))
    if three - two != two - one:
        raise AssertionError(f"Parameters do not grow linearly: {one}, {two}, {three} at T = 1, 2, 3.")
    return one - (two - one), two - one


def markdown(rows, size):
    kinds = ("translate", "serving_default")
    header = ["T", "parameters", "(shared + T x per-task) x 4 B", "SavedModel", "its variables/", "export s",
              "load s"] + [f"{kind} ms, task {which}" for kind in kinds for which in ("0", "T-1")]
    lines = [f"Hyper-LifelongGAN at {size} size, one image of {rows[0]['image_size']} px, median of calls:", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [str(row["tasks"]), f"{row['params']:,}", serving.format_bytes(row["formula_params"] * 4),
                 serving.format_bytes(row["saved_model_bytes"]), serving.format_bytes(row["variables_bytes"]),
                 f"{row['export_seconds']:.1f}", f"{row['load_seconds']:.1f}"]
        for kind in kinds:
            for index in (0, row["tasks"] - 1):
                cells.append(f"{row['timings'][f'{kind}_task_{index}'] * 1e3:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=("toy", "paper"), default="toy")
    parser.add_argument("--tasks", default="1,10,100", help="Comma-separated task counts T (default 1,10,100).")
    parser.add_argument("--calls", type=int, default=20, help="Timed calls per signature (default 20).")
    parser.add_argument("--json", default="", help="Also write the numbers to this JSON file.")
    args = parser.parse_args(argv)
    counts = [int(value) for value in args.tasks.split(",") if value.strip()]
    config = sized_config(args.size)
    shared, each = per_task_params(config)
    print(f"{args.size} size: parameters = {shared:,} shared + T x {each:,} per task", flush=True)
    folder = tempfile.mkdtemp(prefix="export_scaling_")
    rows = []
    try:
        for num_tasks in counts:
            row = measure(num_tasks, config, folder, args.calls, (shared, each))
            row["image_size"] = config.image_size
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(markdown(rows, args.size))
    if args.json:
        with open(args.json, "w") as stream:
            json.dump(dict(size=args.size, shared=shared, per_task=each, rows=rows), stream, indent=2)


if __name__ == "__main__":
    main()
