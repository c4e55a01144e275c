"""What one Adam update of the generator costs as tasks add variables.

    python benchmarks/optimizer_update.py                  # 64-px benchmark sizes: ngf 32, 6 blocks
    python benchmarks/optimizer_update.py --ngf=64         # paper width

Every per-task parameter of the hyper generator is its own variable, and the
method trains all of them, so the optimizer updates more variables with every
learned task. This times `apply_gradients` alone (inside a `tf.function`, with
and without XLA) on the trainable variables of generators that serve different
numbers of tasks, and prints each against the first.
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


def update_seconds(num_tasks, ngf, n_blocks, jit_compile, repeats):
    variables = build_generator(num_tasks=num_tasks, ngf=ngf, n_blocks=n_blocks).trainable_variables
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
    return (time.perf_counter() - start) / repeats, len(variables), sum(int(tf.size(v)) for v in variables)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ngf", type=int, default=32)
    parser.add_argument("--n_blocks", type=int, default=6)
    parser.add_argument("--tasks", default="1,2,4,10", help="Comma-separated numbers of tasks.")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(f"{'tasks':>5} {'XLA':>5} {'variables':>9} {'parameters':>11} {'ms/update':>9} {'vs first':>8}")
    for jit_compile in (False, True):
        first = None
        for num_tasks in map(int, args.tasks.split(",")):
            seconds, count, size = update_seconds(num_tasks, args.ngf, args.n_blocks, jit_compile, args.repeats)
            first = first or seconds
            print(f"{num_tasks:>5} {str(jit_compile):>5} {count:>9} {size:>11,} {seconds * 1e3:>9.1f} "
                  f"{seconds / first:>7.2f}x", flush=True)


if __name__ == "__main__":
    main()
