"""A registry of named plug-ins (channels to students, sinks to operators): apps add theirs in ``AppConfig.ready``."""
from __future__ import annotations

from typing import Generic, Protocol, TypeVar


class Named(Protocol):
    name: str


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    def __init__(self) -> None:
        self._items: dict[str, T] = {}

    def register(self, item: T) -> None:
        """Add an item (or replace the one of the same name: registering twice is harmless)."""
        self._items[item.name] = item

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)

    def all(self) -> list[T]:
        return list(self._items.values())

    def get(self, name: str) -> T | None:
        return self._items.get(name)
