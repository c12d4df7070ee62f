"""The interface language: Qt's translators for ModelDesk's strings and Qt's own dialogs, the locale's
number formats and a CJK font.

The language is the Settings menu's choice (``Key.LANGUAGE``), "system" by default: the first of
LC_ALL, LC_MESSAGES and LANG that names a language (C and POSIX do not), else Qt's system locale. It
is read once at start, so a change applies at the next start. Translations live in
``resources/i18n/modeldesk_<locale>.ts`` (made with ``pyside6-lupdate``, compiled with
``pyside6-lrelease``; ``tests/gui/test_i18n.py`` checks the committed .qm is current); Qt's own
strings (file dialogs, standard buttons) come from PySide6's ``qtbase_<locale>.qm``.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase

#: the languages the interface is translated into (locale name, name shown in that language)
LANGUAGES = (("en", "English"), ("zh_CN", "中文（简体）"))
SYSTEM = "system"
I18N_DIR = Path(str(resources.files("resources").joinpath("i18n")))
#: CJK fonts in order of preference, Simplified Chinese faces first (Noto CJK is what setup.sh installs)
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
             "PingFang SC", "Noto Sans CJK JP", "Droid Sans Fallback")


def system_language() -> str:
    """The locale the environment asks for (zh_CN from LANG=zh_CN.UTF-8), else Qt's system locale."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        name = os.environ.get(variable, "").split(".")[0].split("@")[0]
        if name and name not in ("C", "POSIX"):
            return name
    return QLocale.system().name()


def resolve(choice: str) -> str:
    """The translation to load for a Settings choice: a translated locale name, or "en"."""
    wanted = system_language() if choice in ("", SYSTEM) else choice
    names = [name for name, _label in LANGUAGES]
    if wanted in names:
        return wanted
    language = wanted.split("_")[0]
    return next((name for name in names if name.split("_")[0] == language), "en")


def install(app: QCoreApplication, choice: str) -> list[QTranslator]:
    """Load the chosen language into ``app``: its translators (kept on the app, returned so a test can
    remove them), the default locale for numbers, and a CJK font for Chinese."""
    name = resolve(choice)
    QLocale.setDefault(QLocale(name))
    translators: list[QTranslator] = []
    if name != "en":
        qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for base, folder in (("modeldesk", str(I18N_DIR)), ("qtbase", qt_folder)):
            translator = QTranslator(app)
            if translator.load(f"{base}_{name}", folder):
                app.installTranslator(translator)
                translators.append(translator)
        if name.startswith("zh"):
            use_cjk_font(app)
    app.setProperty("modeldesk_translators", len(translators))
    return translators


def use_cjk_font(app: QCoreApplication) -> None:
    """Put a CJK font first when the system has one, so Chinese shows in Chinese glyph shapes."""
    available = set(QFontDatabase.families())
    family = next((f for f in CJK_FONTS if f in available), None)
    if family is not None:
        font = QFont(app.font())
        font.setFamilies([family, *font.families()])
        app.setFont(font)


def restart_note() -> str:
    return QCoreApplication.translate("i18n", "The language changes at the next start.")
