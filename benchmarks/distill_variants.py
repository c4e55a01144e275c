"""Named distillation settings shared by the benchmarks.

Each name maps to a label for tables and the `TrainConfig` fields it sets; exact
distillation (eq. 10, every earlier task in every step) sets none. `sampled` is
`--distillation=sampled` at its defaults (2 passes, 6 runs; each task starts from the
last one's weights and distils on its inputs), the recommended constant-cost setting;
`sampled_runs8` is it with `--distill_runs=8`; the others vary its passes and runs
(`passes2_runs4` is it with 4, the default before 6).
`sampled_fresh_swap` is sampled as it was before 2026-12-06 (fresh task weights,
distilled on the targets, 4 runs), for the tables measured then.
"""


def _sampled(passes, runs, **more):
    return {"distillation": "sampled", "distill_passes": passes, "distill_runs": runs, **more}


DISTILL_VARIANTS = {
    "sampled": ("sampled (2 passes, 6 runs)", {"distillation": "sampled"}),
    "sampled_runs8": ("sampled, 8 runs", {"distillation": "sampled", "distill_runs": 8}),
    "sampled_fresh_swap": ("sampled, fresh weights, swap", {"distillation": "sampled", "task_init": "fresh",
                                                             "distill_input": "swap", "distill_runs": 4}),
    "passes1": ("1 pass", _sampled(1, 1)),
    "passes1_half": ("1 pass, scale 0.5", _sampled(1, 1, distill_scale=0.5)),
    **{f"passes1_runs{runs}": (f"1 pass, {runs} runs", _sampled(1, runs)) for runs in (2, 4, 8)},
    "passes1_runs4_half": ("1 pass, 4 runs, scale 0.5", _sampled(1, 4, distill_scale=0.5)),
    "passes2": ("2 passes", _sampled(2, 1)),
    "passes2_runs4": ("2 passes, 4 runs", _sampled(2, 4)),
}
