"""The main window: a sidebar of pages, a status bar (device, backend, memory), menus, settings."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QMainWindow, QMessageBox,
                               QStackedWidget, QWidget)

from models.core import paths
from workers.runner import JobRunner

from .panels import PAGES, load
from .widgets.model_picker import ModelPicker


def settings() -> QSettings:
    """Settings live in MODELDESK_HOME so tests and portable installs stay self-contained."""
    return QSettings(str(paths.home() / "settings.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    def __init__(self, warm_up: bool = True, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("ModelDesk")
        self.settings = settings()
        self.runner = JobRunner(self)
        self.device_label = QLabel("Device: detecting…" if warm_up else "Device: not checked yet")
        self.backend_label = QLabel()
        self.memory_label = QLabel()
        self.pages: dict[str, QWidget] = {}
        self._build_pages()
        self._build_status_bar()
        self._build_menus()
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 800)
        self.show_panel(str(self.settings.value("window/page", "classify")))
        if warm_up:
            QTimer.singleShot(0, self._warm_up)

    # --- construction -----------------------------------------------------
    def _build_pages(self) -> None:
        central = QWidget()
        row = QHBoxLayout(central)
        self.sidebar = QListWidget()
        self.sidebar.setFixedWidth(150)
        self.sidebar.setObjectName("sidebar")
        self.stack = QStackedWidget()
        row.addWidget(self.sidebar)
        row.addWidget(self.stack, 1)
        for name, label, spec in PAGES:
            page = load(spec)(self.runner, self.settings)
            self.pages[name] = page
            self.stack.addWidget(page)
            self.sidebar.addItem(label)
        self.sidebar.currentRowChanged.connect(self._on_page)
        self.setCentralWidget(central)
        dashboard = self.pages.get("dashboard")
        classify = self.pages.get("classify")
        if dashboard is not None and hasattr(classify, "attach_dashboard"):
            classify.attach_dashboard(dashboard)
        models_page = self.pages.get("models")
        if models_page is not None and hasattr(models_page, "models_changed"):
            models_page.models_changed.connect(self.refresh_pickers)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.addPermanentWidget(self.backend_label)
        bar.addPermanentWidget(self.memory_label)
        bar.addWidget(self.device_label)
        self._update_backend()
        self._memory_timer = QTimer(self)
        self._memory_timer.timeout.connect(self._update_memory)
        self._memory_timer.start(2000)
        self._update_memory()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self, shortcut="Ctrl+Q", triggered=self.close)
        file_menu.addAction(quit_action)
        settings_menu = self.menuBar().addMenu("&Settings")
        device_menu = settings_menu.addMenu("Device")
        group = QActionGroup(self)
        current = str(self.settings.value("device", "auto"))
        for value, label in (("auto", "Automatic (GPU if present)"), ("cuda", "GPU (CUDA)"), ("cpu", "CPU")):
            action = QAction(label, self, checkable=True, checked=value == current)
            action.triggered.connect(lambda _=False, v=value: self._set_device(v))
            group.addAction(action)
            device_menu.addAction(action)
        backend_menu = settings_menu.addMenu("Backend")
        backend_group = QActionGroup(self)
        current_backend = str(self.settings.value("backend", "torch"))
        for value, label in (("torch", "PyTorch"), ("onnx-fp32", "ONNX Runtime fp32"),
                             ("onnx-int8", "ONNX Runtime INT8")):
            action = QAction(label, self, checkable=True, checked=value == current_backend)
            action.triggered.connect(lambda _=False, v=value: self._set_backend(v))
            backend_group.addAction(action)
            backend_menu.addAction(action)
        settings_menu.addSeparator()
        self.pickle_action = QAction("Allow pickle checkpoints (weights only)", self, checkable=True,
                                     checked=self.settings.value("allow_pickle", False, type=bool))
        self.pickle_action.toggled.connect(self._set_allow_pickle)
        settings_menu.addAction(self.pickle_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(QAction("&About ModelDesk", self, triggered=self._about))

    # --- behaviour --------------------------------------------------------
    def show_panel(self, name: str) -> None:
        names = list(self.pages)
        self.sidebar.setCurrentRow(names.index(name) if name in names else 0)

    def current_panel(self) -> str:
        return list(self.pages)[self.stack.currentIndex()]

    def _on_page(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        self.settings.setValue("window/page", list(self.pages)[row])

    def refresh_pickers(self) -> None:
        for page in self.pages.values():
            for picker in page.findChildren(ModelPicker):
                picker.refresh()

    def _warm_up(self) -> None:
        """Import torch in the background after the window shows, then show the device."""
        worker = self.runner.start("warm-up", "models.core.runtime:warm_up",
                                   preference=str(self.settings.value("device", "auto")))
        worker.result.connect(lambda choice: self.device_label.setText(f"Device: {choice.label} — {choice.reason}"))
        worker.error.connect(lambda msg, _d: self.device_label.setText(f"Device: unknown ({msg})"))
        self.runner.launch("warm-up")

    def _set_device(self, value: str) -> None:
        self.settings.setValue("device", value)
        if not self.runner.is_running("warm-up"):
            self._warm_up()

    def _set_backend(self, value: str) -> None:
        self.settings.setValue("backend", value)
        self._update_backend()

    def _set_allow_pickle(self, allowed: bool) -> None:
        """Pickle files can run code when loaded: ask once, then load them with weights_only=True."""
        if allowed and QMessageBox.question(
                self, "Allow pickle checkpoints?",
                "Pickle checkpoints (.bin, .pt) can run code when they are loaded. ModelDesk loads them with "
                "weights_only=True, which refuses anything but tensors. Allow them?") != QMessageBox.StandardButton.Yes:
            self.pickle_action.setChecked(False)
            return
        self.settings.setValue("allow_pickle", allowed)

    def _update_backend(self) -> None:
        self.backend_label.setText(f"Backend: {self.settings.value('backend', 'torch')}")

    def _update_memory(self) -> None:
        import psutil

        rss = psutil.Process().memory_info().rss / 2**20
        self.memory_label.setText(f"Memory: {rss:,.0f} MB")

    def _about(self) -> None:
        from models import __version__

        QMessageBox.about(self, "About ModelDesk",
                          f"ModelDesk {__version__}\nAn offline AI workbench.\nData folder: {paths.home()}")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.sync()
        self.runner.shutdown()
        super().closeEvent(event)
