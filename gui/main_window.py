"""The main window: a sidebar of pages, a status bar (device, backend, memory), menus, settings.

The backend is chosen per model on each page (gui/widgets/backend_choice.py); the status bar
shows the current page's choice, and why it cannot run when it cannot.

Pages are built the first time they are shown (the Dashboard at once: it collects training
curves even while hidden, and builds its plots when first shown), so the window appears before
pyqtgraph or any page it does not show has loaded. Model work runs in the engine process; closing
the window cancels every job and ends the engine under one deadline.
"""
from __future__ import annotations

import gc
from typing import Optional

from PySide6.QtCore import QCoreApplication, QLocale, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QMainWindow, QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from models.core import paths
from models.core.runtime import DeviceChoice

from . import i18n, jobs
from .context import AppContext
from .panels import PAGES, load
from .settings import Key
from .widgets import plot_slot
from .widgets.backend_choice import BackendChoice
from .widgets.job_controls import ERROR_STYLE

#: seconds that closing the window gives running jobs to stop, in all
CLOSE_SECONDS = 5.0


class MainWindow(QMainWindow):
    def __init__(self, warm_up: bool = True, ctx: Optional[AppContext] = None,
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("ModelDesk"))
        self.ctx = ctx or AppContext.create()
        self.settings = self.ctx.settings
        self.runner = self.ctx.runner
        self.device_label = QLabel(self.tr("Device: detecting…") if warm_up else self.tr("Device: not checked yet"))
        self.backend_label = QLabel()
        self.memory_label = QLabel()
        self.pages: dict[str, QWidget] = {}      # the pages built so far
        self._slots: dict[str, QWidget] = {}     # where each page goes when built
        self._build_pages()
        self._build_status_bar()
        self._build_menus()
        geometry = self.settings.get(Key.WINDOW_GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 800)
        self.show_panel(self.settings.get(Key.WINDOW_PAGE))
        QTimer.singleShot(0, self.ctx.models.refresh)
        QTimer.singleShot(0, plot_slot.preload)   # pyqtgraph loads in the background once the window shows
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
        for name, label, _spec in PAGES:
            slot = QWidget()
            QVBoxLayout(slot).setContentsMargins(0, 0, 0, 0)
            self._slots[name] = slot
            self.stack.addWidget(slot)
            self.sidebar.addItem(QCoreApplication.translate("pages", label))
        self.sidebar.currentRowChanged.connect(self._on_page)
        self.setCentralWidget(central)
        self.page("dashboard")

    def page(self, name: str) -> QWidget:
        """The page called ``name``, built now if it was not yet."""
        if name not in self.pages:
            spec = next(spec for page_name, _label, spec in PAGES if page_name == name)
            page = load(spec)(self.ctx)
            self.pages[name] = page
            self._slots[name].layout().addWidget(page)
            dashboard = self.pages.get("dashboard")
            if dashboard is not None and hasattr(page, "attach_dashboard"):
                page.attach_dashboard(dashboard)
            for choice in page.findChildren(BackendChoice):
                choice.state_changed.connect(lambda *_state: self._update_backend())
            # A page lives as long as the window: its objects leave the garbage collector's scans, whose
            # full passes over the whole heap (pyqtgraph, numpy, Qt wrappers) froze the window for 50-60 ms.
            gc.freeze()
        return self.pages[name]

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
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        quit_action = QAction(self.tr("&Quit"), self, shortcut="Ctrl+Q", triggered=self.close)
        file_menu.addAction(quit_action)
        settings_menu = self.menuBar().addMenu(self.tr("&Settings"))
        self._choice_menu(settings_menu, self.tr("Device"), Key.DEVICE, (("auto", self.tr("Automatic (GPU if present)")),
                                                               ("cuda", self.tr("GPU (CUDA)")), ("cpu", "CPU")),
                          self._set_device)
        self._choice_menu(settings_menu, self.tr("Language"), Key.LANGUAGE,
                          ((i18n.SYSTEM, self.tr("System language")), *i18n.LANGUAGES), self._set_language)
        settings_menu.addSeparator()
        self.pickle_action = QAction(self.tr("Allow pickle checkpoints (weights only)"), self, checkable=True,
                                     checked=self.settings.get(Key.ALLOW_PICKLE))
        self.pickle_action.toggled.connect(self._set_allow_pickle)
        settings_menu.addAction(self.pickle_action)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(QAction(self.tr("&About ModelDesk"), self, triggered=self._about))

    def _choice_menu(self, parent, title: str, key: Key, choices: tuple, on_choice) -> None:
        menu = parent.addMenu(title)
        group = QActionGroup(self)
        current = self.settings.get(key)
        for value, label in choices:
            action = QAction(label, self, checkable=True, checked=value == current)
            action.triggered.connect(lambda _=False, v=value: on_choice(v))
            group.addAction(action)
            menu.addAction(action)

    # --- behaviour --------------------------------------------------------
    def show_panel(self, name: str) -> None:
        names = [page_name for page_name, _label, _spec in PAGES]
        self.sidebar.setCurrentRow(names.index(name) if name in names else 0)

    def current_panel(self) -> str:
        return PAGES[self.stack.currentIndex()][0]

    def _on_page(self, row: int) -> None:
        name = PAGES[row][0]
        self.page(name)
        self.stack.setCurrentIndex(row)
        self.settings.set(Key.WINDOW_PAGE, name)
        self._update_backend()

    def _warm_up(self) -> None:
        """Start the engine, import torch there and show the device, after the window is up."""
        if self.runner.is_running("warm-up"):
            return
        job = self.runner.start("warm-up", jobs.WARM_UP)
        job.result.connect(self._show_device)
        job.error.connect(lambda message, _details: self.device_label.setText(self.tr("Device: unknown ({0})").format(message)))

    def _show_device(self, choice: DeviceChoice) -> None:
        self.device_label.setText(self.tr("Device: {0} — {1}").format(choice.label, choice.reason))

    def _set_device(self, value: str) -> None:
        self.settings.set(Key.DEVICE, value)
        for choice in self.findChildren(BackendChoice):   # INT8 may run on the CPU of a GPU: their notes change
            choice.refresh()
        self._warm_up()

    def _set_language(self, value: str) -> None:
        """Translators load at start (gui.i18n): the choice is kept and applies at the next start."""
        self.settings.set(Key.LANGUAGE, value)
        self.settings.sync()
        self.statusBar().showMessage(i18n.restart_note(), 10_000)

    def _set_allow_pickle(self, allowed: bool) -> None:
        """Pickle files can run code when loaded: ask once, then load them with weights_only=True."""
        if allowed and QMessageBox.question(
                self, self.tr("Allow pickle checkpoints?"),
                self.tr("Pickle checkpoints (.bin, .pt) can run code when they are loaded. ModelDesk loads them with "
                "weights_only=True, which refuses anything but tensors. Allow them?")) != QMessageBox.StandardButton.Yes:
            self.pickle_action.setChecked(False)
            return
        self.settings.set(Key.ALLOW_PICKLE, allowed)

    def _update_backend(self) -> None:
        """The backend of the model on the page in view (its visible tab's), or why it cannot run."""
        page = self.pages.get(self.current_panel()) if self.stack.count() else None
        shown = [c for c in page.findChildren(BackendChoice) if c.isVisibleTo(page)] if page is not None else []
        if not shown:
            self.backend_label.setText(self.tr("Backend: —"))
            self.backend_label.setStyleSheet("")
            return
        self.backend_label.setText(self.tr("Backend: {0}").format(shown[0].text))
        self.backend_label.setStyleSheet(ERROR_STYLE if shown[0].problem else "")

    def _update_memory(self) -> None:
        """The window's memory and each running engine's (where the models live), by engine name."""
        import psutil

        rss = psutil.Process().memory_info().rss / 2**20
        text = self.tr("Memory: window {0} MB").format(QLocale().toString(round(rss)))
        for name, pid in sorted(self.runner.running_engines().items()):
            if pid is None:
                continue   # still starting
            try:
                text += self.tr(", {0} engine {1} MB").format(
                    name, QLocale().toString(round(psutil.Process(pid).memory_info().rss / 2**20)))
            except psutil.Error:
                pass
        self.memory_label.setText(text)

    def _about(self) -> None:
        from models import __version__

        QMessageBox.about(self, self.tr("About ModelDesk"),
                          self.tr("ModelDesk {0}\nAn offline AI workbench.\nData folder: {1}").format(__version__, paths.home()))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set(Key.WINDOW_GEOMETRY, self.saveGeometry())
        self.settings.sync()
        self._memory_timer.stop()
        self.runner.shutdown(CLOSE_SECONDS)
        super().closeEvent(event)
