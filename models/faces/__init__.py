"""Face synthesis: the DCGAN (definition, generation, training) and torch-free image helpers."""
