"""The café's settings, one schema: each setting's type, default, range and refusal.

Every client gets every setting with its value or default (the snapshot and `cafe_updated`), so
no client writes a default of its own (the dot budget lived in four files before).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One setting: its JSON type, the value when unset (None: absent), its whole-number range
    and the refusal's code outside it."""

    type: type
    default: Any = None
    range: tuple[int, int] | None = None
    refusal: str = "setting_type"


SETTINGS: dict[str, Setting] = {
    "dots_per_round": Setting(int, 3, (0, 20), "dots_range"),
    "harvest_dots": Setting(int, 5, (0, 20), "dots_range"),
    "auto_advance": Setting(bool, True),
    "final_round_home": Setting(bool, False),
    "hosts_choose": Setting(bool, False),
    "locked": Setting(bool, False),
    "approve_joins": Setting(bool, False),
    # "At least N people at a table", hosts included.
    "min_table_size": Setting(int, 3, (1, 10), "min_table_range"),
    # The "time is nearly up" warning before a discussion ends (0: none).
    "warning_seconds": Setting(int, 120, (0, 900), "warning_range"),
    "chime": Setting(bool, True),
    # The board shows the theme team's emerging themes instead of the notes (not during a move).
    "board_themes": Setting(bool, False),
    # Working-group contacts are deleted this many days after the sign-up (services/signups.py).
    "contact_days": Setting(int, 30, (1, 365), "contact_days_range"),
    # Absent unless set: the board then follows its browser; no passcode is asked.
    "board_language": Setting(str),
    "passcode": Setting(str),
}
# Kept with the café, never a client's to set or see.
INTERNAL = frozenset({"demo"})


def with_defaults(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting a client sees: the stored value, else its default (unset ones left out)."""
    out = {key: s.default for key, s in SETTINGS.items() if s.default is not None}
    out.update((k, v) for k, v in stored.items() if k not in INTERNAL)
    return out


def value(stored: Mapping[str, Any], key: str) -> Any:
    """One setting's value: stored, else its default."""
    found = stored.get(key)
    return SETTINGS[key].default if found is None else found
