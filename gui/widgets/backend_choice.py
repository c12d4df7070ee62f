"""The backend of the chosen model (PyTorch, ONNX fp32, ONNX INT8), remembered per model, with Export….

Every task page has one next to its model picker (TaskPanel puts it there). Whether a model has
an export is read from its manifest (models.core.exports.exported_backends), so the page says
"no export yet" the moment an ONNX backend is chosen, and Export… makes it as a job with its own
progress bar. Problems that only the engine can find (no CUDA execution provider, the GPU out of
memory) come back as a job error of class ``BackendUnavailable`` and are shown the same way.
The state is also offered to the window's status bar (``state_changed``). When the export was
checked on CUDA and its INT8 operators would run on the CPU there (the manifest's ``placement``),
INT8 on a GPU device is said to be a problem and ONNX fp32 is offered in one click.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from models.core.exports import exported_backends
from models.core.parity import backend_note, format_parity
from models.core.store import ModelInfo

from .. import jobs
from ..settings import Key
from ..lifetime import while_alive
from .job_controls import ERROR_STYLE, JobControls
from .model_picker import ModelPicker

if TYPE_CHECKING:
    from ..context import AppContext

#: (value, label) of every backend, in the order offered
BACKENDS = (("torch", "PyTorch"), ("onnx-fp32", "ONNX fp32"), ("onnx-int8", "ONNX INT8"))
#: backends a page may add to its own combo: generate's 4-bit path converts on first use, with no export
EXTRA_LABELS = {"onnx-int4": QT_TRANSLATE_NOOP("BackendChoice", "ONNX 4-bit")}
LABELS = {**dict(BACKENDS), **EXTRA_LABELS}


def is_backend_problem(details: str) -> bool:
    """True when a job failed because its backend cannot run (the traceback ends in BackendUnavailable)."""
    lines = details.strip().splitlines()
    return bool(lines) and lines[-1].split(":", 1)[0].endswith(".BackendUnavailable")


class BackendChoice(QWidget):
    """A backend combo for ``picker``'s model, Export… when its export is missing, and the reason it cannot run."""

    state_changed = Signal(str, bool)   # a sentence for the status bar, True when the backend cannot run

    def __init__(self, ctx: "AppContext", picker: ModelPicker, key: str, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.picker = picker
        self.combo = QComboBox()
        for value, label in BACKENDS:
            self.combo.addItem(label, value)
        self.combo.setToolTip(self.tr("The engine that runs this model, remembered per model; ONNX needs an export"))
        self.export_button = QPushButton(self.tr("Export…"))
        self.export_button.setToolTip(self.tr("Export this model to ONNX (fp32 and INT8) and check it against PyTorch"))
        self.fp32_button = QPushButton(self.tr("Use ONNX fp32"))
        self.fp32_button.setToolTip(self.tr("fp32 keeps every node of the export on the GPU"))
        self.fp32_button.setVisible(False)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.export_controls = JobControls(ctx.runner, key, with_run=False)
        self.export_controls.setVisible(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.combo)
        row.addWidget(self.export_button)
        row.addWidget(self.fp32_button)
        row.addWidget(self.note, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.export_controls)
        self.text = ""
        self.problem = False
        self.combo.currentIndexChanged.connect(self._on_choice)
        self.export_button.clicked.connect(self.export)
        self.fp32_button.clicked.connect(lambda: self.set_backend("onnx-fp32"))
        picker.changed.connect(self._on_model)
        ctx.models.changed.connect(self.refresh)
        ctx.runner.busy_changed.connect(lambda job_key, _running: job_key == key and self._show_state())
        self.refresh()

    # --- what is chosen ----------------------------------------------------------
    def backend(self) -> str:
        return str(self.combo.currentData())

    def offer(self, value: str) -> None:
        """Add one of ``EXTRA_LABELS`` to this page's choices (and show it when it is the model's choice)."""
        self.combo.addItem(self.tr(EXTRA_LABELS[value]), value)
        self.refresh()

    def set_backend(self, value: str) -> None:
        self.combo.setCurrentIndex(self.combo.findData(value))

    def model_info(self) -> Optional[ModelInfo]:
        path = self.picker.path()
        return next((m for m in self.ctx.models.models if path and str(m.path) == path), None)

    def refresh(self) -> None:
        """Show the remembered choice of the picked model and what it means."""
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(0, self.combo.findData(self.ctx.settings.backend_for(self.picker.path()))))
        self.combo.blockSignals(False)
        self._show_state()

    def _on_model(self, _path: str) -> None:
        self.export_controls.setVisible(False)
        self.refresh()

    def _on_choice(self, _index: int) -> None:
        if self.picker.path():
            self.ctx.settings.set_backend_for(self.picker.path(), self.backend())
        self._show_state()

    def showEvent(self, event: Any) -> None:  # another tab may have changed this model's choice
        super().showEvent(event)
        self.refresh()

    # --- what it means -------------------------------------------------------------
    def _show_state(self) -> None:
        backend, info = self.backend(), self.model_info()
        self.fp32_button.setVisible(False)
        name = info.name if info is not None else (Path(self.picker.path()).name or self.tr("the model"))
        if backend in EXTRA_LABELS:
            self.export_button.setVisible(False)
            self.set_state(self.tr("{0} · converted once on first use and kept in the app's data folder").format(
                self.tr(LABELS[backend])))
            return
        missing = backend != "torch" and info is not None and backend not in exported_backends(info)
        on_cpu = "" if missing else self._int8_on_cpu(backend, info)
        exporting = self.ctx.runner.is_running(self.export_controls.key)
        self.export_button.setVisible(missing or exporting)
        self.export_button.setEnabled(not exporting)
        if missing:
            self.set_state(self.tr("{0} has no {1} export yet: Export… makes it, or choose PyTorch.").format(name, self.tr(LABELS[backend])),
                           problem=True)
        elif on_cpu:
            self.fp32_button.setVisible("onnx-fp32" in exported_backends(info))
            self.set_state(self.tr("{0} · on this GPU: {1}").format(self.tr(LABELS[backend]), on_cpu), problem=True)
        elif backend != "torch" and info is not None:
            parity = info.manifest["parity"]
            self.set_state(self.tr("{0} · vs PyTorch: {1}").format(self.tr(LABELS[backend]),
                                                                   backend_note(parity, backend.partition("-")[2])))
        else:
            self.set_state(self.tr(LABELS[backend]) + (f" · {name}" if self.picker.path() else ""))

    def _int8_on_cpu(self, backend: str, info: Optional[ModelInfo]) -> str:
        """The export's note that CUDA runs its INT8 operators on the CPU, when INT8 would run on a GPU."""
        placement = info.manifest.get("placement") if info is not None and backend == "onnx-int8" else None
        if not isinstance(placement, dict) or self.ctx.settings.get(Key.DEVICE) == "cpu":
            return ""
        return " ".join(str(note) for note in (placement.get("int8_on_cpu") or {}).values())

    def set_state(self, text: str, problem: bool = False) -> None:
        """Show why the backend cannot run (or what it is) here and offer it to the status bar."""
        self.text, self.problem = text, problem
        self.note.setText(text)
        self.note.setStyleSheet(ERROR_STYLE if problem else "")
        self.state_changed.emit(text, problem)

    def job_failed(self, message: str, details: str) -> None:
        """A page's job ended in an error: when its backend was the cause, that is the backend's state now."""
        if is_backend_problem(details):
            self.set_state(message, problem=True)

    # --- export ------------------------------------------------------------------------
    def export(self) -> None:
        model = self.picker.path()
        if not model or self.ctx.runner.is_running(self.export_controls.key):
            return
        self.export_controls.setVisible(True)
        job = self.export_controls.start(jobs.EXPORT_ONNX, model=model)
        job.result.connect(self._exported)
        job.error.connect(while_alive(self, lambda message, _details: self.set_state(message, problem=True)))
        self._show_state()

    def _exported(self, parity: dict) -> None:
        self.export_controls.set_status(self.tr("Exported. {0}").format(format_parity(parity)))
        self.ctx.models.refresh()   # the new manifest says the export exists
