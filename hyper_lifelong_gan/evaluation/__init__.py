"""Evaluation: scoring what a run's generators make of every learned task, for the
end-of-task evaluation of the trainer and for evaluate.py alike.

It reads run folders through `hyper_lifelong_gan.workdir` and never imports the
training package. Modules, in the order of the work:

- `generation`: the fixed evaluation noise (`eval_z`), the test split in a fixed
  order, and one pass of generation per (stage, task) (`test_outputs`).
- `scores`: scorers fed by that one pass (L1/PSNR/SSIM, Acc, structure, FID), the
  trivial baselines, the end-of-task `evaluate_paired` / `evaluate_unpaired` and
  evaluate.py's `evaluate_run`.
- `classifier`: the one domain classifier of a sequence behind Acc, cached in
  `<workdir>/domain_classifier`.
- `runs`: the runs evaluate.py reads (`load_run`) and their results.json updates.
- `reports`: report.md, report.html, heatmaps, sample grids, TensorBoard.
- `outputs`: PNG files of every task's generated and real test images.
- `command`: `evaluate_runs`, what evaluate.py does, as a library.

For every run (a `train.py` workdir) and every completed stage i, evaluate.py
restores the generators saved after learning task i and evaluates every task
j <= i on its test split with the fixed evaluation noise, which fills the
continual-learning matrices M[i][j] (docs/design.md, "Metrics"):

* acc: the share of task j's outputs that a domain classifier, trained on the real
  target images (train split) of all tasks of the sequence, assigns to domain j.
  The classifier is cached in `<workdir>/domain_classifier`, and one classifier
  serves all runs of the same sequence evaluated together, so their columns are
  comparable.
* fid / fid_classifier: the Frechet distance between the features of task j's
  outputs and of its real test targets, on InceptionV3 pool features (`fid`) or on
  the domain classifier's features (`fid_classifier`, the offline alternative; the
  two are never mixed up).
* l1 / psnr / ssim: against the ground truth, with the scorer the trainer uses.
* params: the generator parameters after each task, from results.json.

Outputs per run: the matrices in `<workdir>/results.json` (metrics[m][i][j], None
where j > i; rows of stages whose generators --keep_stages dropped keep what the
trainer recorded, which --eval_schedule may have left None), `<workdir>/report.md` (the paper's
Table 4/6 layout, one column per
run, then each matrix with forgetting; `report.html` shows the same with the
figures, and opens from disk), a heatmap PNG per matrix and an
input | output | target grid PNG per task in `<workdir>/evaluation/`, and the same
scalars and images in TensorBoard (`<workdir>/tensorboard/eval`); with
`save_outputs`, every task's generated and real test images as PNG files in
`<workdir>/outputs/<task>/{generated,real}/` for the standard FID tools (`fid` here
is a Keras-Inception FID, not comparable with published FID).
"""
