"""A document translation retried after the GPU ran out of memory shows each line once on the page."""
from __future__ import annotations

import pytest

from gui import jobs
from gui.panels.translate import TranslatePanel

pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")]
WAIT_MS = 60000


def test_a_retried_document_streams_each_line_once(qtbot, app_ctx, tiny_marian, tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    panel = TranslatePanel(app_ctx)
    qtbot.addWidget(panel)
    panel.show()
    panel.picker.set_path(str(tiny_marian))
    qtbot.waitUntil(lambda: not panel.runner.is_running(panel._languages_key()), timeout=WAIT_MS)
    panel.beam_size.setValue(1)
    panel.max_length.setValue(3)
    source, out = tmp_path / "notes.txt", tmp_path / "notes.fr.txt"
    source.write_text("".join(f"the cat sat. hello world {n}\n" for n in range(6)), encoding="utf-8")
    monkeypatch.setattr(jobs, "TRANSLATE_FILE", jobs.JobSpec("tests.gui.slow_jobs:oom_translate_file", jobs.MODEL))
    partials = []
    job = panel.translate_document(str(source), str(out))
    job.partial.connect(partials.append)
    qtbot.waitUntil(lambda: not panel.runner.is_running(panel.document.key), timeout=WAIT_MS)
    assert [e.restart for e in partials].count(True) == 1 and not partials[0].restart   # lines came before it
    assert panel.document.status.text() == f"Done: 6 passages translated into {out}."
    assert panel.output.toPlainText() == out.read_text(encoding="utf-8")
