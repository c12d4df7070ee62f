"""The DCGAN training recipe's defaults, in one place: ``train_faces``, ``train-faces`` and the Faces
page's Train tab all read them (torch-free, so the GUI can).

The stabilisers were measured by ``benchmarks/faces_training.py`` (its docstring holds the figures):
tuned on synthetic faces drawn with seed 0, checked on a folder drawn with seed 1. None of R1, TTUR,
spectral norm or minibatch std lowered KID beyond its spread there, so they are options, off.

What did matter on a few hundred images is how far 30 epochs get: 400 images in batches of 32 give
13 steps an epoch, 390 in all, and the generator had not left its first colours (one background for
every seed). On 400 faces drawn with seed 0 (width 32, 30 epochs; 64-seed grid against the training
images): batch 8 at lr 1e-3 gave variety 0.75 of the data's, a mean image 0.62 of mid-grey's distance
from the data's mean and KID 1.11; at lr 5e-4, 0.66 / 0.65 / 1.93; batch 32 at 2e-4 (width 16) 0.48 /
1.05 / 5.16. Batch 4, and lr 2e-3, made KID jump about and its best epoch an early, crude one.

The mean image's miss was the faces' geometry: every generated face sat in one place at one size
(their mean image was sharp where the data's is blurred). DiffAugment's translation shifts every
image the discriminator sees by up to 4 px, more than the faces' own spread of about 2.5 px, so it
could not tell one place from many. Augmenting each image with probability 0.25 (seed 0): mean image
0.40 of mid-grey's distance on 64 seeds, 0.34 on 256 (augmenting all: 0.62 / 0.56; half: 0.45 / 0.43),
variety 0.74, KID 1.40. Colour alone gave 0.52 / 0.39, but without translation training wandered
(held-out seed 1: best KID at epoch 16, mean 0.77). Held out (seeds 1, 2, 3; 64 seeds): mean 0.52,
0.40, 0.44 at 0.25 against 0.63, 0.64, 0.58 at 0.5; variety 0.62-0.76.
``benchmarks/faces_training.py`` lists the rows. The width is 32: a step at 64 took 3.1 times as long.
"""
from __future__ import annotations

DEFAULTS: dict = {
    "epochs": 10,
    "batch_size": 8,       # more steps per epoch: on a few hundred images 32 left 13 steps an epoch
    "lr": 1e-3,            # the generator's Adam learning rate
    "lr_d": 1e-3,          # the discriminator's (TTUR when it differs)
    "beta1": 0.5,
    "image_size": 64,
    "nz": 100,
    "ngf": 32,
    "ndf": 32,
    "augmentation": "color,translation",
    "augment_probability": 0.25,  # of each image; at 1, translation hid where the faces sit
    "flip": True,
    "label_smoothing": 0.1,
    "spectral_norm": False,
    "minibatch_std": False,
    "r1_gamma": 0.0,       # R1 penalty weight on real images; 0 is off
    "preview_every": 50,
    "stop_on_collapse": False,
}
