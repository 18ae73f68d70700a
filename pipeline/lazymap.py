"""A read-only mapping whose values are built on first use, once, thread-safely."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

__all__ = ["LazyMap"]


class LazyMap(Mapping[K, V], Generic[K, V]):
    """``keys`` known now, ``build(key)`` called the first time a key is read."""

    def __init__(self, keys: Iterable[K], build: Callable[[K], V]) -> None:
        self._keys = tuple(dict.fromkeys(keys))
        self._build = build
        self._values: dict[K, V] = {}
        self._lock = threading.Lock()

    def __getitem__(self, key: K) -> V:
        try:
            return self._values[key]
        except KeyError:
            pass
        if key not in self._keys:
            raise KeyError(key)
        with self._lock:  # two threads meeting a new language build it once
            if key not in self._values:
                self._values[key] = self._build(key)
            return self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[K]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
