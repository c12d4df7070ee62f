"""``faces`` (seeds → a PNG grid) and ``train-faces`` (a DCGAN on an image folder)."""
from __future__ import annotations

import argparse
import sys

from models.core.events import Event, Log

from .options import add_backend_option, event_printer, quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "faces", help="generate faces from seeds with a GAN into a PNG grid",
        description="Each seed always gives the same face; seeds are like 0-3,7.")
    parser.add_argument("--model", required=True, metavar="PATH_OR_NAME", help="a faces model folder or name")
    parser.add_argument("--seeds", default="0-15", help="seeds and ranges, e.g. 0-3,7 (default 0-15)")
    parser.add_argument("--out", required=True, metavar="PNG", help="the PNG grid to write")
    parser.add_argument("--truncation", type=float, default=1.0,
                        help="keep latents in this central share of the normal distribution, in (0, 1] "
                             "(lower: more typical faces; default 1 = off)")
    parser.add_argument("--cols", type=int, default=8, help="images per grid row (default 8)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    add_backend_option(parser)
    parser.set_defaults(func=run_faces)

    train = subparsers.add_parser(
        "train-faces", help="train a DCGAN on a folder of images",
        description="Saves the model under NAME in the app's models folder after every epoch.")
    train.add_argument("--images", required=True, metavar="DIR", help="folder of jpg/png/webp images (searched recursively)")
    train.add_argument("--out", required=True, metavar="NAME", help="the new model's name")
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--lr", type=float, default=2e-4, help="Adam learning rate (default 2e-4)")
    train.add_argument("--resume", metavar="PATH_OR_NAME", help="continue training this faces model")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--nz", type=int, default=100, help="latent size of a new model (default 100)")
    train.add_argument("--ngf", type=int, default=64, help="generator width of a new model (default 64)")
    train.add_argument("--ndf", type=int, default=64, help="discriminator width of a new model (default 64)")
    train.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    train.set_defaults(func=run_train)


def run_faces(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.faces.dcgan import generate, make_grid, parse_seeds, save_png

    seeds = parse_seeds(args.seeds)
    images = generate(args.model, seeds, truncation=args.truncation, device=args.device, backend=args.backend,
                      progress=event_printer())
    grid = make_grid(images, cols=args.cols)
    path = save_png(grid, args.out)
    print(f"Wrote {len(seeds)} faces ({grid.shape[1]}×{grid.shape[0]} px) to {path}")
    return 0


def run_train(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.faces.dcgan import train_dcgan

    notes = event_printer()

    def on_event(event: Event) -> None:
        if isinstance(event, Log):  # the training's own lines: one per epoch, on stdout
            print(event.message, flush=True)
        else:
            notes(event)

    path = train_dcgan(args.images, args.out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                       seed=args.seed, resume=args.resume, nz=args.nz, ngf=args.ngf, ndf=args.ndf,
                       device=args.device, progress=on_event)
    print(f"Model: {path}", file=sys.stderr)
    return 0
