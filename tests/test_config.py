"""Default hyper-parameters: the paper's where section 4 states them, pix2pix's and CycleGAN's elsewhere."""

from hyper_lifelong_gan import config as config_lib


def test_paper_defaults():
    config = config_lib.TrainConfig()
    assert config.K == 7
    assert config.z_dim == 64
    assert config.hidden_units == 64
    assert config.beta == 100.0
    assert config.l1_weight == 100.0
    assert config.learning_rate == 2e-4
    assert config.adam_beta1 == 0.5
    assert config.distill_input == "swap"
    assert config.method == "hyper_lifelong_gan"


def test_real_datasets_get_paper_sizes_and_toy_tasks_small_ones():
    paper = config_lib.resolve(config_lib.TrainConfig(), toy=False)
    assert (paper.image_size, paper.ngf, paper.n_blocks, paper.ndf) == (128, 64, 6, 64)
    assert paper.jitter == "true"
    toy = config_lib.resolve(config_lib.TrainConfig(image_size=48), toy=True)
    assert toy.image_size == 48  # an explicit flag wins over the preset
    assert toy.ngf < paper.ngf and toy.jitter == "false"
    # XLA: measured faster on CPU at toy sizes only; at paper size "auto" means GPU only.
    assert toy.jit_compile == "true" and paper.jit_compile == "auto"
    assert toy.workdir == "runs/hyper_lifelong_gan"
