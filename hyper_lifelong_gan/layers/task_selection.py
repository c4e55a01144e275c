"""How a layer finds the parameters of the task it is asked for.

A task is named in one of three ways:

- a Python int: the layer picks that task's variables directly (training, evaluation);
- a scalar integer tensor: the task is only known when the step runs (sampled
  distillation draws it inside the compiled step), so the layer stacks its per-task
  variables along a task axis and gathers the one it needs. The stacked copy is a
  few small tensors per layer (the per-task parameters are ~3% of a generator), and
  the gradient reaches only the gathered task's variables;
- a group of tasks (a list of ints or a 1-D integer tensor of known length): the
  layer runs every task of the group at once, with the tasks' activations side by
  side along the channel axis (task-major: channels [g*c, (g+1)*c) belong to the
  g-th task of the group). This is how distillation of several earlier tasks runs
  as one batched computation.
"""

import numbers

from keras import ops


def is_task_group(task):
    """True when `task` names several tasks (a list/tuple, or a 1-D tensor)."""
    if isinstance(task, (list, tuple)):
        return True
    shape = getattr(task, "shape", None)
    return shape is not None and len(shape) == 1


def is_static_task(task):
    """True when `task` is a Python (or NumPy) integer, known while tracing."""
    return isinstance(task, numbers.Integral)


def group_members(tasks):
    """The tasks of a group one by one: ints stay ints, a 1-D tensor is unstacked
    into scalar tensors (its length must be known while tracing)."""
    if isinstance(tasks, (list, tuple)):
        return list(tasks)
    if tasks.shape[0] is None:
        raise ValueError("A group of tasks given as a tensor needs a length known while tracing.")
    return list(ops.unstack(tasks, num=tasks.shape[0], axis=0))


def select(per_task_variables, task):
    """The variable of `task` among `per_task_variables` (one per task, same shapes):
    indexed directly for a Python int, gathered from their stack for a tensor."""
    if is_static_task(task):
        return per_task_variables[task]
    return ops.take(ops.stack([getattr(v, "value", v) for v in per_task_variables]), task, axis=0)
