"""Translation with seq2seq models (Marian pairs, NLLB, M2M100, mBART-50)."""
