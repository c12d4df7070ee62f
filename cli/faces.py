"""``faces`` (seeds → a PNG grid), ``faces-interpolate`` (a path through seeds → GIF or PNG frames)
``train-faces`` (the DCGAN on an image folder, one line per epoch) and ``faces-import`` (a PyTorch
DCGAN tutorial generator checkpoint as a faces model)."""
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
        description="Prints, as each epoch ends, the losses, KID (mean ± std over subsets, lower is better), the "
                    "sliced Wasserstein distance (SWD, lower is better) and the variety of 64 fixed seeds against "
                    "the training images'; keeps the epoch with the best KID as the model NAME in the app's "
                    "models folder, and the last epoch inside it for --resume. Warns when the generator is "
                    "collapsing (variety falling epoch after epoch) and when generated faces copy training images. "
                    "The defaults are the Faces page's.")
    add_train_options(train)
    train.set_defaults(func=run_train)

    bring = subparsers.add_parser(
        "faces-import", help="import a PyTorch DCGAN tutorial generator checkpoint (.pt) as a faces model",
        description="Reads a state dict of the tutorial's Generator, or a checkpoint holding it under "
                    "netG_state_dict, generator or G, with weights_only=True; the sizes come from the weights. "
                    "The result renders, exports to ONNX and INT8 like a model trained here.")
    bring.add_argument("checkpoint", metavar="PT", help="the .pt/.pth file")
    bring.add_argument("--name", help="the model's name (default: the file's name)")
    bring.add_argument("--allow-pickle", action="store_true",
                       help="consent to read the pickle file (weights only, no code is run)")
    bring.set_defaults(func=run_import)


def add_train_options(train: argparse.ArgumentParser) -> None:
    from models.faces.recipe import DEFAULTS as D

    train.add_argument("--images", required=True, metavar="DIR", help="folder of jpg/png/webp images (searched recursively)")
    train.add_argument("--out", required=True, metavar="NAME", help="the model's name")
    train.add_argument("--epochs", type=int, default=D["epochs"],
                       help="epochs in all; with --resume, counting those done (default %(default)s)")
    train.add_argument("--image-size", type=int, choices=(32, 64, 128), default=D["image_size"])
    train.add_argument("--resume", action="store_true", help="continue the model NAME from its last epoch")
    train.add_argument("--batch-size", type=int, default=D["batch_size"], help="default %(default)s")
    train.add_argument("--lr", type=float, default=D["lr"], help="generator's Adam learning rate (default %(default)s)")
    train.add_argument("--lr-d", type=float, default=D["lr_d"],
                       help="discriminator's learning rate; another than --lr is TTUR (default %(default)s)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--nz", type=int, default=D["nz"], help="latent size of a new model (default %(default)s)")
    train.add_argument("--ngf", type=int, default=D["ngf"], help="generator width of a new model (default %(default)s)")
    train.add_argument("--ndf", type=int, default=D["ndf"],
                       help="discriminator width of a new model (default %(default)s)")
    train.add_argument("--augment", default=D["augmentation"], metavar="OPS",
                       help="DiffAugment operations from color, translation, cutout, or none (default %(default)s)")
    train.add_argument("--augment-probability", type=float, default=D["augment_probability"], metavar="P",
                       help="share of images the discriminator sees augmented (default %(default)s)")
    train.add_argument("--no-flip", action="store_true", help="do not mirror training images at random")
    train.add_argument("--label-smoothing", type=float, default=D["label_smoothing"],
                       help="real-label smoothing (default %(default)s)")
    train.add_argument("--r1", type=float, default=D["r1_gamma"], metavar="GAMMA",
                       help="R1 gradient penalty on real images; 0 is off (default %(default)s)")
    _switch(train, "spectral-norm", D["spectral_norm"], "spectral norm in a new discriminator")
    _switch(train, "minibatch-std", D["minibatch_std"],
            "a batch-spread channel in a new discriminator (Karras et al. 2018)")
    train.add_argument("--stop-on-collapse", action="store_true",
                       help="stop at the warning that the generator is collapsing")
    train.add_argument("--preview-every", type=int, default=D["preview_every"], help="steps between preview grids")
    train.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    train.add_argument("--allow-pickle", action="store_true",
                       help="resume a pickle-only checkpoint (.bin/.pt), with weights_only=True")


def _switch(parser: argparse.ArgumentParser, name: str, default: bool, what: str) -> None:
    """--NAME turns an option on when its default is off; --no-NAME turns it off when it is on."""
    dest = name.replace("-", "_")
    if default:
        parser.add_argument(f"--no-{name}", dest=dest, action="store_false", help=f"no {what} (default: on)")
    else:
        parser.add_argument(f"--{name}", dest=dest, action="store_true", help=f"{what} (default: off)")


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

    result = train_faces(args.images, args.out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                         lr_d=args.lr_d, image_size=args.image_size, seed=args.seed, resume=args.resume, nz=args.nz,
                         ngf=args.ngf, ndf=args.ndf, augmentation=args.augment,
                         augment_probability=args.augment_probability, flip=not args.no_flip,
                         label_smoothing=args.label_smoothing, r1_gamma=args.r1, spectral_norm=args.spectral_norm,
                         minibatch_std=args.minibatch_std, stop_on_collapse=args.stop_on_collapse,
                         preview_every=args.preview_every, device=args.device, allow_pickle=args.allow_pickle,
                         progress=on_event)
    if result["saved_epoch"] is not None:
        print(f"Saved epoch {result['saved_epoch']} of {result['epochs_trained']} (best KID {result['best_kid']:.4f}) "
              f"as {result['model']}", flush=True)
    if result["collapsed"] is not None:
        print(f"Warning: the generator is collapsing (from epoch {result['collapsed']}); see its variety above.",
              flush=True)
    print(f"Run {result['run_id']}", file=sys.stderr)
    return 0 if result["status"] == "completed" else 130


def run_import(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.faces.tutorial_import import import_tutorial_generator

    info = import_tutorial_generator(args.checkpoint, args.name, allow_pickle=args.allow_pickle)
    config = info.path / "config.json"
    print(f"Imported {Path(args.checkpoint).name} as '{info.name}' ({info.path}); sizes in {config.name}")
    return 0
