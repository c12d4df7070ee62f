"""ModelDesk's model library: pure Python + torch/transformers/onnxruntime, no Qt.

Usable from a script or notebook; the GUI and the CLI are two clients of it. Importing the package
registers what each task lends to core (models/tasks.py) before anything can use it.
"""

__version__ = "0.1.0"

from models import tasks as _tasks  # noqa: E402,F401  (registration is the import's effect)
