"""The Transcribe page: live microphone transcription, a queue of sound files, a subtitle editor.

Live: a microphone picker, Start/Stop, a level meter and a scrolling waveform; committed
text in the normal colour with the not-yet-stable words in grey after it, timestamps on
request, the end-of-speech → text latency. Files: a queue (gui/widgets/file_queue.py), each
file with its own progress and status, exported together. Editor: the cues of a finished file
or of the live session (gui/widgets/transcript_editor.py); a click on a cue plays its audio
in the engine. Whisper's language and translate options apply to both; every export is cut
into subtitle cues by the rules set on the Files tab.

The microphone comes from ``source_factory`` when set (tests put an in-memory source there,
behind the same interface), else the job opens the chosen device itself.
"""
from __future__ import annotations

import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP
from PySide6.QtGui import QColor, QShowEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QHBoxLayout,
                               QLabel, QPushButton, QSpinBox, QStyle, QTabWidget, QTextEdit, QVBoxLayout, QWidget)

from models.core import store
from models.core.events import Data, Final, ModelDeskError, Partial
from models.transcribe.cues import CueRules, build_cues
from models.transcribe.transcript import Segment, export, to_txt
from workers.runner import Job, JobSpec

from .. import jobs
from ..lifetime import while_alive
from ..panel import BadInput, TaskPanel
from ..settings import Key
from ..widgets.file_queue import FileQueue
from ..widgets.level_meter import LevelMeter
from ..widgets.plot_slot import PlotSlot
from ..widgets.transcript_editor import TranscriptEditor

if TYPE_CHECKING:
    from models.transcribe.audio import InputDevice

PARTIAL_COLOUR = QColor("#8a8a8a")
EXPORT_FILTERS = QT_TRANSLATE_NOOP("transcribe", "Plain text (*.txt);;SubRip subtitles (*.srt);;WebVTT subtitles (*.vtt)")
#: the encoder windows offered for files: 30 s as Whisper was trained, shorter only by choice
WINDOW_CHOICES = ((30.0, QT_TRANSLATE_NOOP("transcribe", "30 s (as trained)")),
                  (20.0, QT_TRANSLATE_NOOP("transcribe", "20 s (faster, less accurate)")),
                  (10.0, QT_TRANSLATE_NOOP("transcribe", "10 s (fastest, least accurate)")))


def _waveform() -> QWidget:
    from ..widgets.waveform import Waveform

    return Waveform()


class TranscribePanel(TaskPanel):
    name = "transcribe"
    title = QT_TRANSLATE_NOOP("TaskPanel", "Transcribe")
    task = "transcribe"
    run_label = QT_TRANSLATE_NOOP("TaskPanel", "Start")

    #: builds the audio source for a device name; None: the job opens the microphone itself
    source_factory: Optional[Callable[[str], Any]] = None

    def build(self) -> None:
        self.segments: list[Segment] = []
        self.latencies: list[float] = []
        self._committed_mark = 0         # document position where the utterance in progress starts
        self._devices_asked = False

        self.mic_combo = QComboBox()
        self.mic_combo.setMinimumContentsLength(24)
        self.mic_refresh = QPushButton()
        self.mic_refresh.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.mic_refresh.setToolTip(self.tr("Look for microphones again"))
        self.mic_refresh.clicked.connect(self.refresh_devices)
        self.file_button = QPushButton(self.tr("Transcribe files…"))
        self.file_button.setToolTip(self.tr("Queue sound files (wav, flac, ogg, mp3, …) and transcribe them"))
        self.file_button.clicked.connect(self._choose_files)
        mic_row = QWidget()
        row = QHBoxLayout(mic_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.mic_combo, 1)
        row.addWidget(self.mic_refresh)
        row.addWidget(self.file_button)
        self.form.addRow(self.tr("Microphone:"), mic_row)

        self.language_combo = QComboBox()
        self.task_combo = QComboBox()
        self.task_combo.addItem(self.tr("Transcribe"), "transcribe")
        self.task_combo.addItem(self.tr("Translate to English"), "translate")
        options = QWidget()
        row = QHBoxLayout(options)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.language_combo, 1)
        row.addWidget(QLabel(self.tr("Task:")))
        row.addWidget(self.task_combo, 1)
        self.form.addRow(self.tr("Language:"), options)

        self.tabs = QTabWidget()
        self.body.addWidget(self.tabs, 1)
        live = QWidget()
        live_layout = QVBoxLayout(live)
        self.meter = LevelMeter()
        self.waveform = PlotSlot(_waveform)
        live_layout.addWidget(self.meter)
        live_layout.addWidget(self.waveform)

        self.view = QTextEdit()
        self.view.setReadOnly(True)
        self.view.setPlaceholderText(self.tr("Press Start and speak: the text appears here."))
        live_layout.addWidget(self.view, 1)

        tools = QHBoxLayout()
        self.timestamps = QCheckBox(self.tr("Timestamps"))
        self.timestamps.toggled.connect(self._rerender)
        self.latency_label = QLabel(self.tr("Latency: –"))
        self.latency_label.setToolTip(self.tr("From the end of speech to its final text"))
        self.copy_button = QPushButton(self.tr("Copy"))
        self.copy_button.clicked.connect(self.copy)
        self.export_button = QPushButton(self.tr("Export…"))
        self.export_button.setToolTip(self.tr("Save as plain text, SRT or WebVTT subtitles"))
        self.export_button.clicked.connect(self._choose_export)
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.edit_button.setToolTip(self.tr("Open the session's subtitles in the editor"))
        self.edit_button.clicked.connect(lambda: self.open_in_editor("", self.segments))
        tools.addWidget(self.timestamps)
        tools.addWidget(self.latency_label, 1)
        tools.addWidget(self.copy_button)
        tools.addWidget(self.edit_button)
        tools.addWidget(self.export_button)
        live_layout.addLayout(tools)
        self.tabs.addTab(live, self.tr("Live"))
        self.tabs.addTab(self._build_files(), self.tr("Files"))
        self.editor = TranscriptEditor(self.cue_rules)
        self.editor.play_requested.connect(self.play)
        self.editor.status_changed.connect(lambda text, error: self.set_status(text, error=error))
        self.tabs.addTab(self.editor, self.tr("Editor"))
        self._update_tools()
        if self.picker is not None:
            self.picker.changed.connect(self._model_changed)
            self._model_changed(self.picker.path())

    # --- devices and model options ------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._devices_asked:   # PortAudio's scan waits until the page is first seen
            self.refresh_devices()

    def refresh_devices(self) -> None:
        """List the input devices (in the engine: a PortAudio scan can take a while)."""
        self._devices_asked = True
        self.mic_combo.setPlaceholderText(self.tr("Looking for microphones…"))
        job = self.runner.start_latest(f"{self.name}-devices", jobs.INPUT_DEVICES)
        job.result.connect(self._show_devices)
        job.error.connect(while_alive(self, lambda message, _details: self._show_devices([], message)))

    def _show_devices(self, devices: list["InputDevice"], problem: str = "") -> None:
        wanted = self.mic_combo.currentData() or self.settings.get(Key.TRANSCRIBE_DEVICE)
        self.mic_combo.clear()
        for dev in devices:
            self.mic_combo.addItem(dev.label + (self.tr("  (default)") if dev.is_default else ""), dev.name)
        if not devices:
            self.mic_combo.setPlaceholderText(self.tr("No microphone found"))
        if problem:
            self.set_status(problem, error=True)
        index = self.mic_combo.findData(wanted)
        if index < 0:   # the remembered device is gone: the system default, else the first
            index = next((i for i, dev in enumerate(devices) if dev.is_default), 0 if devices else -1)
        self.mic_combo.setCurrentIndex(index)

    def _model_changed(self, path: str) -> None:
        kind, codes = store.speech_options(path) if path else ("ctc", [])
        self.language_combo.clear()
        if kind == "whisper-multilingual":
            self.language_combo.addItem(self.tr("Detect automatically"), None)
            for code in codes:
                self.language_combo.addItem(code, code)
        elif kind == "whisper-en":
            self.language_combo.addItem(self.tr("English (this model knows only English)"), None)
        else:
            self.language_combo.addItem(self.tr("Fixed by the model"), None)
        self.language_combo.setEnabled(kind == "whisper-multilingual")
        self.task_combo.setCurrentIndex(0)
        self.task_combo.setEnabled(kind == "whisper-multilingual")

    # --- jobs ----------------------------------------------------------------------------
    def _build_files(self) -> QWidget:
        """The Files tab: the queue, and the cue rules every export follows."""
        files = QWidget()
        layout = QVBoxLayout(files)
        self.queue = FileQueue(self.runner, f"{self.name}-files", self.file_job)
        self.queue.add_button.clicked.connect(self._choose_files)
        self.queue.opened.connect(self.open_in_editor)
        self.queue.export_wanted.connect(self._choose_export_folder)
        self.queue.status_changed.connect(lambda text, error: self.set_status(text, error=error))
        layout.addWidget(self.queue, 1)
        rules = QHBoxLayout()
        self.cue_seconds = QDoubleSpinBox()
        self.cue_seconds.setRange(1.0, 30.0)
        self.cue_seconds.setValue(self.settings.get(Key.TRANSCRIBE_CUE_SECONDS))
        self.cue_lines = QSpinBox()
        self.cue_lines.setRange(1, 4)
        self.cue_lines.setValue(self.settings.get(Key.TRANSCRIBE_CUE_LINES))
        self.cue_chars = QSpinBox()
        self.cue_chars.setRange(10, 120)
        self.cue_chars.setValue(self.settings.get(Key.TRANSCRIBE_CUE_CHARS))
        self.export_format = QComboBox()
        for fmt in ("srt", "vtt", "txt"):
            self.export_format.addItem(fmt.upper(), fmt)
        self.export_format.setCurrentIndex(max(0, self.export_format.findData(
            self.settings.get(Key.TRANSCRIBE_EXPORT_FORMAT))))
        for label, widget in ((self.tr("Subtitle cues: at most"), self.cue_seconds), (self.tr("s,"), self.cue_lines),
                              (self.tr("lines of"), self.cue_chars), (self.tr("characters; export as"), self.export_format)):
            rules.addWidget(QLabel(label))
            rules.addWidget(widget)
        rules.addStretch(1)
        layout.addLayout(rules)
        choice = QHBoxLayout()
        self.window_combo = QComboBox()
        for seconds, label in WINDOW_CHOICES:
            self.window_combo.addItem(QCoreApplication.translate("transcribe", label), seconds)
        self.window_combo.setToolTip(self.tr("How much audio Whisper hears at once. It was trained on 30 s; a "
                                             "shorter window is faster and less accurate (short clips may loop or "
                                             "lose words)."))
        saved = self.window_combo.findData(self.settings.get(Key.TRANSCRIBE_WINDOW))
        self.window_combo.setCurrentIndex(max(0, saved))
        self.window_combo.currentIndexChanged.connect(
            lambda _index: self.settings.set(Key.TRANSCRIBE_WINDOW, self.window_combo.currentData()))
        choice.addWidget(QLabel(self.tr("Encoder window")))
        choice.addWidget(self.window_combo)
        choice.addStretch(1)
        layout.addLayout(choice)
        return files

    def cue_rules(self) -> CueRules:
        """The rules set on the Files tab (remembered for the next start)."""
        seconds, lines, chars = self.cue_seconds.value(), self.cue_lines.value(), self.cue_chars.value()
        self.settings.set(Key.TRANSCRIBE_CUE_SECONDS, seconds)
        self.settings.set(Key.TRANSCRIBE_CUE_LINES, lines)
        self.settings.set(Key.TRANSCRIBE_CUE_CHARS, chars)
        return CueRules(max_seconds=seconds, max_lines=lines, line_chars=chars)

    def _choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Transcribe sound files"), "",
                                                self.tr("Sound files (*.wav *.flac *.ogg *.mp3 *.opus *.aiff *.m4a);;"
                                                "All files (*)"))
        if paths:
            self.transcribe_files(paths)

    def transcribe_files(self, paths: list[str]) -> None:
        """Queue sound files and start the queue (the Transcribe files… button after its dialog)."""
        self.queue.add(paths)
        self.tabs.setCurrentIndex(1)
        if not self.queue.running:
            self.queue.start()

    def file_job(self, path: str) -> tuple[JobSpec, dict[str, Any]]:
        """One file's job in the queue (BadInput when no model is chosen)."""
        return jobs.TRANSCRIBE_FILE, {"model": self.model_path(), "path": path,
                                      "language": self.language_combo.currentData(),
                                      "task": self.task_combo.currentData(),
                                      "window": float(self.window_combo.currentData())}

    def _choose_export_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export every finished transcript into"))
        if folder:
            self.export_all(folder)

    def export_all(self, folder: str) -> None:
        """Every finished file's subtitles, as ``<name>.<format>`` in ``folder``."""
        fmt = self.export_format.currentData()
        self.settings.set(Key.TRANSCRIBE_EXPORT_FORMAT, fmt)
        rules = self.cue_rules()
        saved = 0
        for item in self.queue.finished_items():
            try:
                export(build_cues(item.segments, rules), Path(folder) / f"{Path(item.path).stem}.{fmt}", fmt)
            except (ModelDeskError, OSError) as exc:
                self.set_status(self.tr("Could not export {0}: {1}").format(Path(item.path).name, exc), error=True)
                return
            saved += 1
        self.set_status(self.tr("Exported {0} transcripts to {1}.").format(saved, folder))

    def open_in_editor(self, path: str, segments: list[Segment]) -> None:
        """The editor with the cues of ``segments`` (``path``: the sound they came from, or "")."""
        target = Path(path).with_suffix(".srt") if path else None
        self.editor.load(build_cues(segments, self.cue_rules()), path or None, target)
        self.tabs.setCurrentWidget(self.editor)

    def play(self, path: str, start: float, end: float) -> None:
        """Play a cue's audio in the engine (a click on another cue stops this one)."""
        job = self.runner.start_latest(f"{self.name}-play", jobs.PLAY_AUDIO, path=path, start=start, end=end)
        job.error.connect(while_alive(self, lambda message, _details: self.set_status(message, error=True)))

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        model = self.model_path()
        common = {"language": self.language_combo.currentData(), "task": self.task_combo.currentData()}
        microphone = self.mic_combo.currentData() or ""
        if self.source_factory is None and not microphone:
            raise BadInput(self.tr("No microphone found: connect one and press the reload button beside the list."))
        self.settings.set(Key.TRANSCRIBE_DEVICE, microphone)
        kwargs: dict[str, Any] = {"model": model, "microphone": microphone or None, **common}
        if self.source_factory is not None:
            kwargs["source"] = self.source_factory(microphone)
        self._clear_transcript()
        self.tabs.setCurrentIndex(0)
        return jobs.TRANSCRIBE_LIVE, kwargs

    def connect_job(self, job: Job) -> None:
        job.data.connect(self._on_data)
        job.metric.connect(self._on_metric)
        job.log.connect(self._on_log)

    def show_result(self, value: Any) -> None:
        self.meter.set_level(-100, 0.0)
        saved = self.tr(" (autosaved in {0})").format(value.session_file) if value.session_file else ""
        if value.error:
            self.set_status(self.tr("{0} The transcript so far is kept{1}.").format(value.error, saved), error=True)
        else:
            self.set_status(self.tr("Stopped: {0} segments{1}.").format(len(self.segments), saved))

    # --- events ------------------------------------------------------------------------------
    def on_partial(self, event: Partial | Final) -> None:
        if isinstance(event, Final):
            self.segments.append(Segment(event.start, event.end, event.text))
            self._replace_tail(self._segment_text(self.segments[-1]), PARTIAL_COLOUR, "")
            self._committed_mark = self._end()
            self._update_tools()
        else:
            committed = getattr(event, "committed", "")
            self._replace_tail(committed, PARTIAL_COLOUR, event.text)

    def _on_data(self, event: Data) -> None:
        if event.kind == "level":
            self.meter.set_level(event.payload["db"], event.payload["peak"])
            if self.waveform.widget is not None:
                self.waveform.widget.push(event.payload["wave"])

    def _on_metric(self, event: Any) -> None:
        if event.name == "latency":
            self.latencies.append(event.value)
            self.latency_label.setText(self.tr("Latency: {0:.2f} s (median {1:.2f} s)").format(event.value, statistics.median(self.latencies)))

    def _on_log(self, message: str) -> None:
        if message.startswith("listening on"):
            self.set_status(self.tr("Listening on {0}…").format(message.removeprefix('listening on ').strip()))
        else:
            self.set_status(message, error="behind the audio" not in message)   # falling behind is no error

    # --- the transcript view ---------------------------------------------------------------------
    def _segment_text(self, segment: Segment) -> str:
        if self.timestamps.isChecked():
            return to_txt([segment], timestamps=True)
        return segment.text.strip() + "\n"

    def _end(self) -> int:
        return self.view.document().characterCount() - 1

    def _replace_tail(self, normal: str, colour: QColor, grey: str) -> None:
        """Replace what follows the committed text: ``normal`` text, then ``grey`` in ``colour``."""
        cursor = QTextCursor(self.view.document())
        cursor.setPosition(self._committed_mark)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        cursor.insertText(normal, QTextCharFormat())
        if grey:
            fmt = QTextCharFormat()
            fmt.setForeground(colour)
            cursor.insertText((" " if normal else "") + grey, fmt)
        self.view.setTextCursor(cursor)
        self.view.ensureCursorVisible()

    def _rerender(self) -> None:
        self.view.clear()
        self._committed_mark = 0
        for segment in self.segments:
            self._replace_tail(self._segment_text(segment), PARTIAL_COLOUR, "")
            self._committed_mark = self._end()

    def _clear_transcript(self) -> None:
        self.segments = []
        self.latencies = []
        self.latency_label.setText(self.tr("Latency: –"))
        self.view.clear()
        self._committed_mark = 0
        if self.waveform.widget is not None:
            self.waveform.widget.clear_wave()
        self._update_tools()

    def _update_tools(self) -> None:
        has_text = bool(self.segments)
        self.copy_button.setEnabled(has_text)
        self.export_button.setEnabled(has_text)
        self.edit_button.setEnabled(has_text)

    # --- output ----------------------------------------------------------------------------------
    def copy(self) -> None:
        QApplication.clipboard().setText(to_txt(self.segments, timestamps=self.timestamps.isChecked()))
        self.set_status(self.tr("Copied {0} segments.").format(len(self.segments)))

    def _choose_export(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(self, self.tr("Export the transcript"), "transcript.srt", QCoreApplication.translate("transcribe", EXPORT_FILTERS))
        if path:
            fmt = Path(path).suffix.lstrip(".").lower() or chosen.split("*.")[-1].rstrip(")")
            self.export_to(path, fmt)

    def export_to(self, path: str, fmt: str) -> None:
        try:
            saved = export(build_cues(self.segments, self.cue_rules()), path, fmt)
        except (ModelDeskError, OSError) as exc:
            self.set_status(self.tr("Could not export: {0}").format(exc), error=True)
            return
        self.set_status(self.tr("Saved {0}.").format(saved))
