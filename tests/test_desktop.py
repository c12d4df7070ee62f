"""Starting ModelDesk like any desktop app: the desktop entry and icon that --install-desktop writes
(valid, pointing at this environment's launcher), the window it opens under a real X server, and
the resources that ship inside a built wheel."""
from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import main
from gui import desktop_entry
from gui.app import APP_ID, APP_NAME, resource

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = Path(sysconfig.get_path("scripts")) / APP_ID


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run `bash scripts/setup.sh --test` as root (it installs "
                    "desktop-file-utils, xvfb and xdotool).", pytrace=False)
    return path


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def validate(path: Path) -> str:
    result = subprocess.run([tool("desktop-file-validate"), str(path)], capture_output=True, text=True, timeout=30)
    return (result.stdout + result.stderr).strip() or f"exit {result.returncode}" * (result.returncode != 0)


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    return folder


def test_install_writes_a_valid_entry_and_its_icon_and_uninstall_removes_both(data_home, capsys):
    assert LAUNCHER.is_file(), f"the test environment has no {LAUNCHER}: run make setup"
    assert main.main(["--install-desktop"]) == 0
    entry = data_home / "applications" / "modeldesk.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "modeldesk.svg"
    assert capsys.readouterr().out.strip() == f"Installed {entry} and {icon}; ModelDesk is in the desktop's menu."
    assert validate(entry) == ""
    fields = read_entry(entry)
    assert fields["Exec"] == fields["TryExec"] == str(LAUNCHER)
    assert fields["StartupWMClass"] == APP_NAME and fields["Type"] == "Application"
    assert (data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{fields['Icon']}.svg") == icon
    assert icon.read_bytes() == resource("icon.svg").read_bytes()
    assert oct(entry.stat().st_mode & 0o777) == oct(0o666 & ~current_umask())   # not mkstemp's 0600

    assert main.main(["--uninstall-desktop"]) == 0
    assert not entry.exists() and not icon.exists()
    assert main.main(["--uninstall-desktop"]) == 0
    assert capsys.readouterr().out.strip().endswith("No desktop entry was installed.")


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_launcher_path_with_spaces_is_quoted_and_still_valid(tmp_path):
    program = Path("/opt/my apps/$HOME/bin/modeldesk")
    entry = tmp_path / "modeldesk.desktop"
    entry.write_text(desktop_entry.entry_text(program), encoding="utf-8")
    assert validate(entry) == ""
    fields = read_entry(entry)
    assert fields["Exec"] == r'"/opt/my apps/\\$HOME/bin/modeldesk"'
    # the spec's two escape levels undone: the string's (\\ -> \), then the quoting's (\$ -> $)
    quoted = fields["Exec"].replace("\\\\", "\\")
    assert re.sub(r'\\(["`$\\])', r"\1", quoted[1:-1]) == str(program)
    assert fields["TryExec"] == str(program)


def test_no_launcher_is_one_line_and_writes_nothing(data_home, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(tmp_path / "no-venv" / "bin"))
    assert main.main(["--install-desktop"]) == 2
    err = capsys.readouterr().err
    assert err == f"modeldesk: error: There is no modeldesk launcher at {tmp_path / 'no-venv' / 'bin' / APP_ID}: " \
                  "set the app up first (make setup).\n"
    assert not (data_home / "applications").exists()


@pytest.fixture
def x_display(tmp_path):
    """A private Xvfb server; its display name (":N")."""
    read, write = os.pipe()
    server = subprocess.Popen([tool("Xvfb"), "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten",
                               "tcp"], pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as fh:
        number = fh.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start", pytrace=False)
    yield f":{number}"
    server.terminate()
    server.wait(10)


def test_the_installed_entry_opens_the_window_on_a_real_x_server(data_home, tmp_path, x_display):
    xdotool = tool("xdotool")
    assert main.main(["--install-desktop"]) == 0
    fields = read_entry(data_home / "applications" / "modeldesk.desktop")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=x_display, PYTHONPATH=str(ROOT))   # the launcher runs this checkout's code
    app = subprocess.Popen(shlex.split(fields["Exec"]), env=env, cwd=tmp_path, start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        found = subprocess.run([xdotool, "search", "--sync", "--onlyvisible", "--name", f"^{APP_NAME}$"],
                               env=env, capture_output=True, text=True, timeout=90)
        window = found.stdout.split()
        assert window, f"no ModelDesk window appeared: {found.stderr}"
        by_class = subprocess.run([xdotool, "search", "--class", f"^{fields['StartupWMClass']}$"], env=env,
                                  capture_output=True, text=True, timeout=30).stdout.split()
        by_instance = subprocess.run([xdotool, "search", "--classname", f"^{APP_ID}$"], env=env,
                                     capture_output=True, text=True, timeout=30).stdout.split()
        assert window[0] in by_class and window[0] in by_instance   # the dock groups it with the entry
        assert app.poll() is None
    finally:
        os.killpg(app.pid, signal.SIGTERM)   # the app, its fork server and its engine
        _, err = app.communicate(timeout=30)
    assert "Traceback" not in err, err


def test_the_resources_ship_inside_a_built_wheel(tmp_path):
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "benchmarks", ".*")
    shutil.copytree(ROOT, source, ignore=ignore)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("modeldesk-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {"resources/__init__.py", "resources/icon.svg", "resources/style.qss",
                "resources/modeldesk.desktop"} <= names
        archive.extractall(tmp_path / "site")   # a wheel unpacked is an installed package
    # -S: no site-packages, so no editable install or source tree can stand in for the wheel's files
    code = ("from gui.app import resource; from gui import desktop_entry; from pathlib import Path; "
            "print(resource('icon.svg')); print(desktop_entry.entry_text(Path('/x/modeldesk')).splitlines()[5])")
    found = subprocess.run([sys.executable, "-S", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                           env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert found.returncode == 0, found.stderr
    icon, exec_line = found.stdout.splitlines()
    assert Path(icon) == tmp_path / "site" / "resources" / "icon.svg" and Path(icon).is_file()
    assert exec_line == "Exec=/x/modeldesk"
