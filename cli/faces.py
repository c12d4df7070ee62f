"""``faces`` (seeds → a PNG grid), ``faces-interpolate`` (a path through seeds → GIF or PNG frames)
and ``train-faces`` (the DCGAN on an image folder, one line per epoch)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from models.core.events import Event, Log

from . import CliError
from .options import add_model_options, event_printer, quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "faces", help="generate faces from seeds with a GAN into a PNG grid",
        description="Each seed always gives the same face; seeds are like 0-3,7 (a fractional seed such as 2.5 "
                    "blends its neighbours).")
    add_model_options(parser, backend=True)
    parser.add_argument("--seeds", default="0-15", help="seeds and ranges, e.g. 0-3,7 (default 0-15)")
    parser.add_argument("--psi", type=float, default=1.0,
                        help="truncation ψ: 1 leaves the faces as drawn (default), lower pulls them toward the "
                             "average face (0.7 is typical)")
    parser.add_argument("--cols", type=int, default=8, help="images per grid row (default 8)")
    parser.add_argument("--out", required=True, metavar="PNG", help="the PNG grid to write")
    parser.set_defaults(func=run_faces)

    path = subparsers.add_parser(
        "faces-interpolate", help="a smooth path through several seeds, as a GIF or numbered PNGs",
        description="The first and last frames are the first and last seeds' faces.")
    add_model_options(path, backend=True)
    path.add_argument("--seeds", required=True, help="the seeds the path goes through, in order, e.g. 3,7,12")
    path.add_argument("--frames", type=int, default=48, help="frames in all (default 48)")
    path.add_argument("--psi", type=float, default=1.0, help="truncation ψ (default 1: off)")
    path.add_argument("--fps", type=float, default=12.0, help="GIF frames per second (default 12)")
    path.add_argument("--out", required=True, metavar="GIF_OR_FOLDER",
                      help="a .gif file, or a folder for numbered PNG frames")
    path.set_defaults(func=run_interpolate)

    train = subparsers.add_parser(
        "train-faces", help="train a DCGAN on a folder of images",
        description="Saves the model (and both optimizers' state) under NAME in the app's models folder after "
                    "every epoch, and prints the losses and the sliced Wasserstein distance (SWD, lower is "
                    "better) as each epoch ends.")
    train.add_argument("--images", required=True, metavar="DIR", help="folder of jpg/png/webp images (searched recursively)")
    train.add_argument("--out", required=True, metavar="NAME", help="the model's name")
    train.add_argument("--epochs", type=int, default=10, help="epochs in all; with --resume, counting those done")
    train.add_argument("--image-size", type=int, choices=(32, 64, 128), default=64)
    train.add_argument("--resume", action="store_true", help="continue the model NAME where it stopped")
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--lr", type=float, default=2e-4, help="Adam learning rate (default 2e-4)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--nz", type=int, default=100, help="latent size of a new model (default 100)")
    train.add_argument("--ngf", type=int, default=64, help="generator width of a new model (default 64)")
    train.add_argument("--ndf", type=int, default=64, help="discriminator width of a new model (default 64)")
    train.add_argument("--augment", default=None, metavar="OPS",
                       help="DiffAugment operations from color, translation, cutout (default color,translation), "
                            "or none")
    train.add_argument("--no-flip", action="store_true", help="do not mirror training images at random")
    train.add_argument("--label-smoothing", type=float, default=None, help="real-label smoothing (default 0.1)")
    train.add_argument("--spectral-norm", action="store_true", help="spectral norm in a new discriminator")
    train.add_argument("--minibatch-std", action="store_true",
                       help="a batch-spread channel in a new discriminator (Karras et al. 2018)")
    train.add_argument("--preview-every", type=int, default=50, help="steps between preview grids")
    train.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    train.add_argument("--allow-pickle", action="store_true",
                       help="resume a pickle-only checkpoint (.bin/.pt), with weights_only=True")
    train.set_defaults(func=run_train)


def run_faces(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.faces.generation import generate
    from models.faces.images import make_grid, parse_seeds, save_png

    seeds = parse_seeds(args.seeds)
    images = generate(args.model, seeds, psi=args.psi, device=args.device, backend=args.backend,
                      allow_pickle=args.allow_pickle, progress=event_printer())
    grid = make_grid(images, cols=args.cols)
    path = save_png(grid, args.out)
    print(f"Wrote {len(seeds)} faces ({grid.shape[1]}×{grid.shape[0]} px) to {path}")
    return 0


def run_interpolate(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.faces.generation import interpolate
    from models.faces.images import parse_seeds, save_frames, save_gif

    out = Path(args.out)
    if out.suffix.lower() not in (".gif", "") and not out.is_dir():
        raise CliError(f"--out must be a .gif file or a folder for PNG frames, not {out.name}")
    frames = interpolate(args.model, parse_seeds(args.seeds), frames=args.frames, psi=args.psi, device=args.device,
                         backend=args.backend, allow_pickle=args.allow_pickle, progress=event_printer())
    if out.suffix.lower() == ".gif":
        save_gif(frames, out, fps=args.fps)
        print(f"Wrote a {len(frames)}-frame GIF to {out}")
    else:
        written = save_frames(frames, out)
        print(f"Wrote {len(written)} PNG frames to {out}")
    return 0


def run_train(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.faces.training import EPOCH_LOG, train_faces

    notes = event_printer()

    def on_event(event: Event) -> None:
        if isinstance(event, Log) and event.level == EPOCH_LOG:  # one line per epoch, on stdout
            print(event.message, flush=True)
        else:
            notes(event)

    options = {name: value for name, value in (("augmentation", args.augment),
                                               ("label_smoothing", args.label_smoothing)) if value is not None}
    result = train_faces(args.images, args.out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                         image_size=args.image_size, seed=args.seed, resume=args.resume, nz=args.nz, ngf=args.ngf,
                         ndf=args.ndf, flip=not args.no_flip, spectral_norm=args.spectral_norm,
                         minibatch_std=args.minibatch_std,
                         preview_every=args.preview_every, device=args.device, allow_pickle=args.allow_pickle,
                         progress=on_event, **options)
    print(f"Model: {result['model']} ({result['epochs_trained']} epochs) · run {result['run_id']}", file=sys.stderr)
    return 0 if result["status"] == "completed" else 130
