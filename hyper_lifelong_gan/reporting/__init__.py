"""What a run shows people: tables, figures, image grids, HTML pages and progress.

- `tables`: markdown tables in the paper's layout and the continual-learning matrix
  with its forgetting row (forgetting itself is `metrics.forgetting`'s).
- `figures`: PNG heatmaps of a matrix and line plots, drawn with matplotlib (Agg).
- `images`: [-1, 1] images to 8 bits, PNG files and input | output | target grids.
- `pages`: HTML pages written from markdown (the Markdown package).
- `progress`: the one-line progress bar with losses, throughput and ETA (tqdm).

This package reads metric facts from `metrics` and imports neither `training` nor
`evaluation`: those compose its pieces into their reports.
"""
