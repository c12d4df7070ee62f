"""ModelDesk's model library: pure Python + torch/transformers/onnxruntime, no Qt.

Usable from a script or notebook; the GUI and the CLI are two clients of it.
"""

__version__ = "0.1.0"
