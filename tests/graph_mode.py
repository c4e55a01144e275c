"""Running the tests' tiny training steps eagerly.

Tracing a training step costs ~15-40 s of CPU even on these tiny models (most of it
Python: thousands of graph ops, a third of them the Adam updates of ~130 variables),
many times the cost of the few steps a test takes. Tests whose assertions do not
depend on graph mode therefore run eagerly. The traced path is still exercised where
it is the point: the end-to-end CLI run (interrupted with Ctrl-C and resumed), the
MirroredStrategy checks (two replicas traced, one device eagerly), XLA (test_xla.py,
against the eager step), the parallel comparison, float16 mixed precision and
test_evaluate.py's training run.
"""

import contextlib

import tensorflow as tf


@contextlib.contextmanager
def eagerly():
    """Runs every tf.function eagerly inside the block."""
    tf.config.run_functions_eagerly(True)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(False)
