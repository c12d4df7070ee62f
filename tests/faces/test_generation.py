"""Faces: seeds and latents, truncation ψ, fractional seeds, paths through seeds, grids, PNG/GIF files, CLI."""
from __future__ import annotations

import json

import numpy as np
import pytest

from models.core.events import ModelDeskError
from models.faces import generation, images, latents


def test_each_seed_always_gives_the_same_image(tiny_dcgan):
    pair = generation.generate(tiny_dcgan, [3, 5], device="cpu")
    assert pair.shape == (2, 64, 64, 3) and pair.dtype == np.uint8
    np.testing.assert_array_equal(pair, generation.generate(tiny_dcgan, [3, 5], device="cpu"))
    alone = generation.generate(tiny_dcgan, [5], device="cpu")[0]
    np.testing.assert_array_equal(alone, pair[1])  # the same face in another batch
    assert not np.array_equal(pair[0], pair[1])
    first = generation.load_renderer(tiny_dcgan, "cpu")
    assert generation.load_renderer(tiny_dcgan, "cpu") is first


def test_psi_pulls_latents_toward_the_mean():
    z = latents.seed_latents([7, 8], 64)
    np.testing.assert_array_equal(z[0], np.random.default_rng(7).standard_normal(64).astype(np.float32))
    np.testing.assert_array_equal(latents.truncate(z, 1.0), z)
    np.testing.assert_allclose(latents.truncate(z, 0.5), 0.5 * z)
    mean = np.full(64, 2.0, np.float32)
    np.testing.assert_allclose(latents.truncate(z, 0.0, mean), np.stack([mean, mean]))
    np.testing.assert_allclose(latents.truncate(z, 0.25, mean), mean + 0.25 * (z - mean), rtol=1e-6)
    for bad in (-0.1, 1.5):
        with pytest.raises(ModelDeskError, match="Truncation ψ"):
            latents.truncate(z, bad)


def test_psi_zero_renders_the_average_face_for_every_seed(tiny_dcgan):
    plain = generation.generate(tiny_dcgan, [1, 2], device="cpu")
    average = generation.generate(tiny_dcgan, [1, 2, 3], psi=0.0, device="cpu")
    assert (average == average[0]).all() and not np.array_equal(average[0], plain[0])
    half = generation.generate(tiny_dcgan, [1], psi=0.5, device="cpu")[0].astype(int)
    assert np.abs(half - average[0]).mean() < np.abs(plain[0].astype(int) - average[0]).mean()


def test_fractional_seeds_blend_their_neighbours():
    a, b = latents.seed_latents([3, 4], 128)
    np.testing.assert_array_equal(latents.latent(3.0, 128), a)
    quarter = latents.latent(3.25, 128)
    np.testing.assert_allclose(quarter, latents.slerp(a, b, 0.25))
    assert np.linalg.norm(quarter - a) < np.linalg.norm(quarter - b)  # nearer to seed 3
    assert abs(np.linalg.norm(quarter) - np.linalg.norm(a)) < 0.15 * np.linalg.norm(a)  # slerp keeps the norm
    with pytest.raises(ModelDeskError, match="from 0 up"):
        latents.latent(-1, 8)


def test_a_path_starts_and_ends_on_its_seeds_and_passes_the_middle_one():
    path = latents.path_latents([3, 7, 12], 9, 32)
    stops = latents.seed_latents([3, 7, 12], 32)
    assert path.shape == (9, 32)
    np.testing.assert_array_equal(path[0], stops[0])
    np.testing.assert_array_equal(path[4], stops[1])
    np.testing.assert_array_equal(path[-1], stops[2])
    with pytest.raises(ModelDeskError, match="at least 2 seeds"):
        latents.path_latents([3], 9, 32)
    with pytest.raises(ModelDeskError, match="at least 2 frames"):
        latents.path_latents([3, 4], 1, 32)


def test_gif_of_a_three_seed_path_has_the_frames_and_ends_on_the_seeds(tiny_dcgan, tmp_path):
    from PIL import Image, ImageSequence

    frames = generation.interpolate(tiny_dcgan, [3, 7, 12], frames=48, device="cpu")
    ends = generation.generate(tiny_dcgan, [3, 12], device="cpu")
    np.testing.assert_array_equal(frames[0], ends[0])
    np.testing.assert_array_equal(frames[-1], ends[1])
    target = images.save_gif(frames, tmp_path / "path.gif", fps=24)
    with Image.open(target) as gif:
        decoded = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]
        assert gif.info["duration"] == 40 and gif.info["loop"] == 0
    assert len(decoded) == 48
    for shown, seed_image in ((decoded[0], ends[0]), (decoded[-1], ends[1])):
        assert len(np.unique(seed_image.reshape(-1, 3), axis=0)) <= 256   # what one GIF frame can hold
        np.testing.assert_array_equal(shown, seed_image)
    # a frame of more colours than GIF holds comes back as close as its own 256-colour palette allows
    rich = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    with Image.open(images.save_gif(rich, tmp_path / "rich.gif")) as gif:
        first = np.asarray(gif.convert("RGB")).astype(int)
    assert np.abs(first - rich[0]).mean() < 12 < np.abs(first - rich[1]).mean()
    written = images.save_frames(frames, tmp_path / "frames")
    assert [p.name for p in written[:2]] == ["frame_000.png", "frame_001.png"] and len(written) == 48
    np.testing.assert_array_equal(np.asarray(Image.open(written[-1])), ends[1])


def test_grid_tiles_images_with_padding_and_finds_the_cell_under_a_click():
    pictures = np.stack([np.full((8, 6, 3), 10 * (i + 1), np.uint8) for i in range(5)])
    grid = images.make_grid(pictures, cols=3, pad=2)
    assert grid.shape == (2 * 10 + 2, 3 * 8 + 2, 3)
    np.testing.assert_array_equal(grid[2:10, 2:8], pictures[0])
    np.testing.assert_array_equal(grid[12:20, 10:16], pictures[4])  # second row, second column
    assert grid[0].max() == 0 and grid[12:20, 18:24].max() == 0  # padding and the empty sixth cell
    square = images.make_grid(np.zeros((5, 8, 8, 3), np.uint8), cols=3)
    assert square.shape == (22, 32, 3)
    assert images.grid_cell(2, 2, 5, 3, 8) == 0 and images.grid_cell(13, 14, 5, 3, 8) == 4
    assert images.grid_cell(1, 5, 5, 3, 8) is None and images.grid_cell(23, 14, 5, 3, 8) is None  # pad, empty
    with pytest.raises(ModelDeskError):
        images.make_grid(np.zeros((0, 8, 8, 3), np.uint8), cols=2)


def test_save_png_round_trip(tmp_path):
    from PIL import Image

    picture = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    target = images.save_png(picture, tmp_path / "out" / "grid.png")
    np.testing.assert_array_equal(np.asarray(Image.open(target)), picture)
    assert [p.name for p in target.parent.iterdir()] == ["grid.png"]


@pytest.mark.parametrize("text, seeds", [("0-3,7", [0, 1, 2, 3, 7]), (" 5 , 2-3", [5, 2, 3]),
                                         ("4,4,3-4", [4, 3]), ("9", [9]), ("2.5,3", [2.5, 3])])
def test_parse_seeds(text, seeds):
    assert images.parse_seeds(text) == seeds


@pytest.mark.parametrize("text, message", [("", "at least one seed"), ("a", "'a' is not a seed"),
                                           ("3-1", "runs backwards"), ("-1", "'-1' is not a seed"),
                                           ("0-5000", "At most"), ("99999999999", "too large"),
                                           ("1.5-3", "not a seed")])
def test_parse_seeds_rejects_bad_text(text, message):
    with pytest.raises(ModelDeskError, match=message):
        images.parse_seeds(text)


def test_a_non_faces_model_is_refused(tmp_path):
    folder = tmp_path / "gpt"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    (folder / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelDeskError, match="is a text generator, not a face generator"):
        generation.load_renderer(folder)


def test_pickle_only_faces_models_need_consent_then_load_weights_only(tiny_dcgan, pickle_only, torch_loads):
    from models.faces import dcgan

    folder = pickle_only(tiny_dcgan, dcgan.PICKLE_FILES)
    with pytest.raises(ModelDeskError, match="has only a pickle checkpoint"):
        generation.generate(folder, [3, 5], device="cpu")
    assert torch_loads == []
    np.testing.assert_array_equal(generation.generate(folder, [3, 5], device="cpu", allow_pickle=True),
                                  generation.generate(tiny_dcgan, [3, 5], device="cpu"))
    assert torch_loads == [True]


# --- command line ------------------------------------------------------------------------

def test_cli_faces_writes_the_png_grid_with_psi(tiny_dcgan, tmp_path, capsys):
    from PIL import Image

    from main import main

    out = tmp_path / "grid.png"
    assert main(["faces", "--model", str(tiny_dcgan), "--seeds", "0-3,7", "--psi", "0.7", "--cols", "3",
                 "--out", str(out), "--device", "cpu"]) == 0
    expected = images.make_grid(generation.generate(tiny_dcgan, [0, 1, 2, 3, 7], psi=0.7, device="cpu"), cols=3)
    np.testing.assert_array_equal(np.asarray(Image.open(out)), expected)
    assert "Wrote 5 faces" in capsys.readouterr().out


def test_cli_faces_interpolate_writes_gif_or_frames(tiny_dcgan, tmp_path, capsys):
    from PIL import Image

    from main import main

    assert main(["faces-interpolate", "--model", str(tiny_dcgan), "--seeds", "3,7,12", "--frames", "6",
                 "--out", str(tmp_path / "path.gif"), "--device", "cpu"]) == 0
    with Image.open(tmp_path / "path.gif") as gif:
        assert gif.n_frames == 6
    assert main(["faces-interpolate", "--model", str(tiny_dcgan), "--seeds", "3,7", "--frames", "4",
                 "--out", str(tmp_path / "frames"), "--device", "cpu"]) == 0
    assert sorted(p.name for p in (tmp_path / "frames").iterdir())[-1] == "frame_003.png"
    assert "Wrote 4 PNG frames" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["faces", "--seeds", "7-2", "--out", "g.png"], "runs backwards"),
    (["faces", "--psi", "1.5", "--out", "g.png"], "Truncation ψ goes from 0"),
    (["faces-interpolate", "--seeds", "3", "--out", "p.gif"], "at least 2 seeds"),
    (["faces-interpolate", "--seeds", "3,4", "--out", "p.mp4"], ".gif file or a folder"),
    (["faces", "--backend", "onnx-int8", "--out", "g.png"], "no INT8 variant yet"),
])
def test_cli_faces_bad_input_is_one_line(tiny_dcgan, tmp_path, capsys, args, message):
    from main import main

    out_index = args.index("--out") + 1
    args[out_index] = str(tmp_path / args[out_index])
    assert main([*args, "--model", str(tiny_dcgan), "--device", "cpu"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert list(tmp_path.iterdir()) == []
