"""Named distillation settings shared by the benchmarks.

Each name maps to a label for tables and the `TrainConfig` fields it sets; exact
distillation (eq. 10, every earlier task in every step) sets none.
"""

DISTILL_VARIANTS = {
    "batched": ("exact, batched", {"distill_batched": True}),
    "k1": ("K=1", {"distill_tasks_per_step": 1}),
    "k1_half": ("K=1, scale 0.5", {"distill_tasks_per_step": 1, "distill_scale": 0.5}),
    **{f"k1_runs{runs}": (f"K=1, {runs} runs", {"distill_tasks_per_step": 1, "distill_spread": runs})
       for runs in (2, 4, 8)},
    "k1_runs4_half": ("K=1, 4 runs, scale 0.5",
                      {"distill_tasks_per_step": 1, "distill_spread": 4, "distill_scale": 0.5}),
    "k2": ("K=2", {"distill_tasks_per_step": 2}),
    "k2_runs4": ("K=2, 4 runs", {"distill_tasks_per_step": 2, "distill_spread": 4}),
}
