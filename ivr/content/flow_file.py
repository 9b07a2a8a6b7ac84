"""Reads content/flow.txt: the menus, the navigation keys and the timings, the same in every language."""

from __future__ import annotations

from pathlib import Path

from ivr.content.checks import ID, VALID_KEYS
from ivr.content.model import MAIN_MENU, NAVIGATION_ACTIONS, Flow, frozen_map
from ivr.content.staff_file import StaffFile, StaffReader, Value, split_list

MAX_MENU_OPTIONS = 4
CONTENT_KEYS = {str(n) for n in range(1, MAX_MENU_OPTIONS + 1)}


def load_flow(path: Path, reader: StaffReader) -> Flow | None:
    if not reader.files.is_file(path):
        reader.report(str(path), 1, "the flow file is missing")
        return None
    staff = reader.read(path)
    menus: dict[str, tuple[str, ...]] = {}
    keys: dict[str, str] = {}
    for name, value in staff.fields.items():
        if name.startswith("menu."):
            menus[name[5:]] = _menu_options(staff, name[5:], value)
        elif name.startswith("key."):
            keys[name[4:]] = _navigation_key(staff, name[4:], value, keys)
        elif name not in ("wait.menu", "wait.between-parts", "tries"):
            staff.report(value.line, f"unknown setting '{name}'")
    for action in NAVIGATION_ACTIONS:
        if action not in keys:
            staff.report(1, f"missing 'key.{action}: ...' (the key for {action})")
    if MAIN_MENU not in menus:
        staff.report(1, "missing 'menu.main: ...' (the menu a call starts in)")
    parents = _parents(staff, menus)
    return Flow(
        menus=frozen_map(menus),
        keys=frozen_map(keys),
        parents=frozen_map(parents),
        menu_wait_seconds=_number(staff, "wait.menu", 10, 3, 60),
        part_wait_seconds=_number(staff, "wait.between-parts", 2, 1, 10),
        tries=_number(staff, "tries", 3, 1, 5),
    )


def _menu_options(staff: StaffFile, menu: str, value: Value) -> tuple[str, ...]:
    options = split_list(value, ",")
    if not ID.match(menu):
        staff.report(value.line, f"menu name {menu!r} may use only a-z, 0-9 and -")
    if not options:
        staff.report(value.line, f"menu '{menu}' has no options")
    if len(options) > MAX_MENU_OPTIONS:
        staff.report(value.line, f"menu '{menu}' has {len(options)} options; at most {MAX_MENU_OPTIONS}")
    return options


def _navigation_key(staff: StaffFile, action: str, value: Value, keys: dict[str, str]) -> str:
    key = value.text
    if action not in NAVIGATION_ACTIONS:
        staff.report(value.line, f"unknown navigation action '{action}'; "
                                 f"expected one of {', '.join(NAVIGATION_ACTIONS)}")
    elif len(key) != 1 or key not in VALID_KEYS:
        staff.report(value.line, f"key for {action} must be one of 0-9, * or #, not {key!r}")
    elif key in CONTENT_KEYS:
        staff.report(value.line, f"key {key} is kept for menu options (1 to {MAX_MENU_OPTIONS}); "
                                 f"choose another for {action}")
    elif key in keys.values():
        staff.report(value.line, f"key {key} is already used for another navigation action")
    return key


def _parents(staff: StaffFile, menus: dict[str, tuple[str, ...]]) -> dict[str, str]:
    parents: dict[str, str] = {}
    for menu, options in menus.items():
        line = staff.fields[f"menu.{menu}"].line
        for option in options:
            if option == MAIN_MENU:
                staff.report(line, "the main menu cannot be an option of another menu")
            elif option in parents:
                staff.report(line, f"'{option}' is in menu '{parents[option]}' and in '{menu}'; "
                                   "a topic belongs to one menu")
            else:
                parents[option] = menu
    for menu in menus:
        if menu != MAIN_MENU and menu not in parents:
            staff.report(staff.fields[f"menu.{menu}"].line,
                         f"menu '{menu}' is not an option of any menu, so no caller can reach it")
    for menu in menus:  # a cycle would make "go back" loop forever
        seen, node = {menu}, menu
        while node in parents:
            node = parents[node]
            if node in seen:
                staff.report(staff.fields[f"menu.{menu}"].line, f"menu '{menu}' is inside itself")
                break
            seen.add(node)
    return parents


def _number(staff: StaffFile, name: str, default: int, low: int, high: int) -> int:
    value = staff.fields.get(name)
    if value is None:
        return default
    if not (value.text.isascii() and value.text.isdigit()) or not low <= int(value.text) <= high:
        staff.report(value.line, f"'{name}' must be a whole number from {low} to {high}, not {value.text!r}")
        return default
    return int(value.text)
