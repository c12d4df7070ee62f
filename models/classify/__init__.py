"""Text classification: labelled files, prediction, fine-tuning, evaluation, metrics, ONNX export."""
