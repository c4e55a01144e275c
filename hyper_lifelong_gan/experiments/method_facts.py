"""What the paper calls each method and where its tables put it, in one table."""

# name: the paper's label, in the column order of Table 4 (Hyper-Full,
# Hyper-LifelongGAN, SFT, Full, LifelongGAN++, PiggybackGAN).
PAPER_LABELS = {
    "hyper_full": "Hyper-Full",
    "hyper_lifelong_gan": "Hyper-LifelongGAN",
    "sft": "SFT",
    "full": "Full",
    "lifelong_gan_pp": "LifelongGAN++",
    "piggyback": "PiggybackGAN",
}
TABLE_4_ORDER = tuple(PAPER_LABELS)
# Table 5 (generator parameters) orders its columns otherwise.
TABLE_5_ORDER = ("hyper_full", "hyper_lifelong_gan", "full", "lifelong_gan_pp", "piggyback", "sft")
