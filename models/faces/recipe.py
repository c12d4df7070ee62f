"""The DCGAN training recipe's defaults, in one place: ``train_faces``, ``train-faces`` and the Faces
page's Train tab all read them (torch-free, so the GUI can).

The stabilisers were measured by ``benchmarks/faces_training.py`` (its docstring holds the figures):
tuned on synthetic faces drawn with seed 0, checked on a folder drawn with seed 1. None of R1, TTUR,
spectral norm or minibatch std lowered KID beyond its spread there, so they are options, off.
"""
from __future__ import annotations

DEFAULTS: dict = {
    "epochs": 10,
    "batch_size": 32,
    "lr": 2e-4,            # the generator's Adam learning rate
    "lr_d": 2e-4,          # the discriminator's (TTUR when it differs)
    "beta1": 0.5,
    "image_size": 64,
    "nz": 100,
    "ngf": 64,
    "ndf": 64,
    "augmentation": "color,translation",
    "flip": True,
    "label_smoothing": 0.1,
    "spectral_norm": False,
    "minibatch_std": False,
    "r1_gamma": 0.0,       # R1 penalty weight on real images; 0 is off
    "preview_every": 50,
    "stop_on_collapse": False,
}
