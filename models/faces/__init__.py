"""Face synthesis: seeds and latents, one render path for the DCGAN and ONNX generators, training, quality."""
