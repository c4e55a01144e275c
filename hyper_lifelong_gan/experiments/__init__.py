"""Experiment commands: the paper's tables, reproduced from the trainer's public entry
point (`training.trainer.train`) and the run folders it writes (`workdir`).

    python -m hyper_lifelong_gan.experiments.comparison        # Table 4: every method side by side
    python -m hyper_lifelong_gan.experiments.parameter_table   # Table 5: generator parameters

`method_facts` holds what the paper says of each method: its label and the column
order of Tables 4 and 5.
"""
