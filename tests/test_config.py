"""Default hyper-parameters: the paper's where section 4 states them, pix2pix's and CycleGAN's elsewhere."""

import dataclasses

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
    assert config.method == "hyper_lifelong_gan"
    paper = config_lib.resolve(config, toy=False)
    assert (paper.distillation, paper.distill_input, paper.task_init) == ("exact", "swap", "fresh")


def test_sampled_distillation_defaults_to_the_long_sequence_setting():
    # --distillation=sampled is the one choice for long sequences: with it, auto starts
    # each task from the last one's weights and distils on the task's inputs.
    sampled = config_lib.TrainConfig(distillation="sampled")
    resolved = config_lib.resolve(sampled, toy=True)
    assert (resolved.task_init, resolved.distill_input) == ("previous", "unswap")
    # A method whose new task parameters cannot copy the last task's starts fresh.
    assert config_lib.resolve(sampled, toy=True, copies_previous_task=False).task_init == "fresh"
    # Flags given explicitly win, with either distillation.
    explicit = config_lib.resolve(
        dataclasses.replace(sampled, task_init="fresh", distill_input="swap"), toy=True)
    assert (explicit.task_init, explicit.distill_input) == ("fresh", "swap")
    noise = config_lib.resolve(config_lib.TrainConfig(distill_input="noise", task_init="previous"), toy=True)
    assert (noise.task_init, noise.distill_input) == ("previous", "noise")


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
