"""What one Adam update of the generator costs as tasks are learned, per storage layout.

    python benchmarks/optimizer_update.py                  # 64-px benchmark sizes: ngf 32, 6 blocks
    python benchmarks/optimizer_update.py --ngf=64         # paper width

Hyper-LifelongGAN trains every task's parameters, so the optimizer updates more
parameters with every learned task. How they are stored decides what that costs:
the generator stacks each kind of per-task weight into one variable with a row
per task ("stacked", the project's layout), against one variable per task and kind
("per task", the layout before; about 125 more variables per task at ResNet-6),
rebuilt here from the same rows. This times `apply_gradients` alone (inside a
`tf.function`, with and without XLA) for generators that serve different numbers
of tasks, and prints each against the first of its layout.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from hyper_lifelong_gan.models import build_generator  # noqa: E402


def generator_variables(num_tasks, ngf, n_blocks, layout):
    generator = build_generator(num_tasks=num_tasks, ngf=ngf, n_blocks=n_blocks)
    if layout == "stacked":
        return generator.trainable_variables
    stacked = {id(v) for v in generator.stacked_task_weights}
    variables = [v for v in generator.trainable_variables if id(v) not in stacked]
    for weight in generator.stacked_task_weights:
        variables += [tf.Variable(row) for row in tf.unstack(weight.value)]
    return variables


def update_seconds(variables, jit_compile, repeats):
    optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    optimizer.build(variables)
    gradients = [tf.zeros_like(v) for v in variables]

    @tf.function(jit_compile=jit_compile)
    def update():
        optimizer.apply_gradients(zip(gradients, variables))

    update()
    start = time.perf_counter()
    for _ in range(repeats):
        update()
    return (time.perf_counter() - start) / repeats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ngf", type=int, default=32)
    parser.add_argument("--n_blocks", type=int, default=6)
    parser.add_argument("--tasks", default="1,2,4,10", help="Comma-separated numbers of tasks.")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(f"{'layout':>8} {'tasks':>5} {'XLA':>5} {'variables':>9} {'parameters':>11} {'ms/update':>9} {'vs first':>8}")
    for layout in ("stacked", "per task"):
        for jit_compile in (False, True):
            first = None
            for num_tasks in map(int, args.tasks.split(",")):
                variables = generator_variables(num_tasks, args.ngf, args.n_blocks, layout)
                seconds = update_seconds(variables, jit_compile, args.repeats)
                size = sum(int(tf.size(v)) for v in variables)
                first = first or seconds
                print(f"{layout:>8} {num_tasks:>5} {str(jit_compile):>5} {len(variables):>9} {size:>11,} "
                      f"{seconds * 1e3:>9.1f} {seconds / first:>7.2f}x", flush=True)


if __name__ == "__main__":
    main()
