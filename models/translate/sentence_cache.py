"""Translations already made, per sentence, so an edit re-translates only the sentences it touched.

Translate-as-you-type sends the whole text after every pause, and a document is often translated
again after a small edit: without this, each costs the text's full length. The key is everything
that decides a sentence's translation - the loaded models (each load has its own number, so a
re-export or a reload never serves an old translation), the languages, the beam and length
settings, and the sentence itself. Least recently used entries go first beyond ``CAPACITY``.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable, Optional

#: sentences kept (a few hundred bytes each: a long document's worth, several times over)
CAPACITY = 20_000


class SentenceCache:
    """A thread-safe LRU map from (settings, sentence) to its translation."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[tuple[Hashable, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, settings: Hashable, sentence: str) -> Optional[str]:
        with self._lock:
            key = (settings, sentence)
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, settings: Hashable, sentence: str, translation: str) -> None:
        with self._lock:
            self._items[(settings, sentence)] = translation
            self._items.move_to_end((settings, sentence))
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


#: the engine process's one cache, shared by text and document translation
SENTENCES = SentenceCache()
