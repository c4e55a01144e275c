"""Bytes on disk of one exported artifact serving 4 tasks, per method.

    python -m benchmarks.artifact_size                 # toy sizes (the default run's model)
    python -m benchmarks.artifact_size --size=paper    # 128 px, ResNet-6, 64 filters

The generators are built untrained, with the structure a run has after 4 tasks
(`method.rebuild`), and exported as `export.py` does (`hyper_lifelong_gan.serving`):
an artifact's size depends on the model's structure, not on its weights' values.
Prints a markdown table: generator parameters, SavedModel (and its variables/),
.keras.
"""

import argparse
import os
import shutil
import tempfile
import types

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from hyper_lifelong_gan import config as config_lib  # noqa: E402
from hyper_lifelong_gan import inference, serving  # noqa: E402
from hyper_lifelong_gan.evaluation import generation as evaluation  # noqa: E402
from hyper_lifelong_gan.methods import get_method  # noqa: E402

METHODS = ("hyper_lifelong_gan", "full", "piggyback")
TASKS = ("task_1", "task_2", "task_3", "task_4")


def measure(method_name, size, folder):
    config = config_lib.resolve(config_lib.TrainConfig(method=method_name), toy=size == "toy")
    generators = get_method(method_name).rebuild(len(TASKS), config_lib.generator_config(config))
    run = types.SimpleNamespace(task_names=list(TASKS), config=config)
    trained = inference.TrainedRun(
        run=run, stage=len(TASKS), direction="forward", generators=generators, z=evaluation.eval_z(generators)
    )
    saved_model = os.path.join(folder, f"{method_name}_saved_model")
    keras_file = os.path.join(folder, f"{method_name}.keras")
    serving.export_saved_model(trained, saved_model)
    serving.export_keras(trained, keras_file)
    return dict(
        params=generators.count_params(),
        saved_model=serving.artifact_bytes(saved_model),
        variables=serving.artifact_bytes(os.path.join(saved_model, "variables")),
        keras=serving.artifact_bytes(keras_file),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("toy", "paper"), default="toy")
    parser.add_argument("--methods", default=",".join(METHODS))
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="artifact_size_")
    try:
        print(f"| method ({args.size} size, 4 tasks) | generator parameters | SavedModel | its variables/ | .keras |")
        print("|---|---|---|---|---|")
        for method_name in args.methods.split(","):
            sizes = measure(method_name, args.size, folder)
            print(
                f"| {method_name} | {sizes['params']:,} | {serving.format_bytes(sizes['saved_model'])} | "
                f"{serving.format_bytes(sizes['variables'])} | {serving.format_bytes(sizes['keras'])} |",
                flush=True,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
