"""A read-only table that shows a list of objects, one per row, selected a whole row at a time."""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget


class RowTable(QTableWidget):
    """``items`` are the objects shown, in row order; ``selected()`` is the one the user chose."""

    def __init__(self, columns: Sequence[str], parent: Optional[QWidget] = None) -> None:
        super().__init__(0, len(columns), parent)
        self.items: list[Any] = []
        self.setHorizontalHeaderLabels([self.tr(c) for c in columns])   # COLUMNS marked for "RowTable"
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def show_items(self, items: Sequence[Any], cells: Callable[[Any], Sequence[str]],
                   tooltip: Callable[[Any], str] = lambda _item: "",
                   key: Callable[[Any], Any] = lambda item: item) -> None:
        """One row per item, its cells' texts from ``cells``; the selected item (by ``key``) stays selected."""
        chosen = self.selected()
        self.items = list(items)
        self.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            tip = tooltip(item)
            for column, text in enumerate(cells(item)):
                cell = QTableWidgetItem(text)
                cell.setToolTip(tip)
                self.setItem(row, column, cell)
            if chosen is not None and key(item) == key(chosen):
                self.selectRow(row)

    def selected(self) -> Any:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        return self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None

    def select(self, predicate: Callable[[Any], bool]) -> bool:
        for row, item in enumerate(self.items):
            if predicate(item):
                self.selectRow(row)
                return True
        return False
