"""Loading rule data: the one `Rule` record type and access to the shipped `rules/` folder.

The top-level `rules/` folder is installed as the package `extractor.rules` (see pyproject.toml),
so it is read with importlib.resources and an installed tool finds it wherever it lives.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import regex
import yaml


def rule_regex(pattern: str, ignore_case: bool = True) -> "regex.Pattern[str]":
    """A rule pattern compiled as every finder compiles them: the `regex` module's version 1 syntax
    (Unicode properties, possessive quantifiers, POSIX (?p) and reverse (?r) matching), case-insensitive.
    Case folding is the simple kind ("(?-f)"): version 1 otherwise folds fully ("ß" = "ss"), which no
    Indonesian or English word needs and which made every match three times slower."""
    if not ignore_case:
        return regex.compile(pattern, regex.V1)
    return regex.compile(f"(?-f){pattern}", regex.IGNORECASE | regex.V1)


class RuleDataError(ValueError):
    """A rules file is malformed; the message names the file and the record."""


def rules_root() -> Traversable:
    """The folder holding the rule data, as installed (or the source tree's rules/ when not installed)."""
    try:
        return resources.files("extractor.rules")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "rules"


def rules_file(name: str) -> Traversable:
    """A file inside rules/, by its relative path ("numbers.yaml", "regions/provinces.yaml")."""
    node = rules_root()
    for part in name.split("/"):
        node = node / part
    if not node.is_file():
        raise RuleDataError(f"rules file {name!r} not found under {rules_root()}")
    return node


@functools.lru_cache(maxsize=None)
def load_yaml(name: str) -> Any:
    try:
        return yaml.safe_load(rules_file(name).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleDataError(f"rules/{name}: not valid YAML: {exc}") from exc


@dataclass(frozen=True)
class Rule:
    """One rule record. `pattern` is a regex (matched case-insensitively unless the family says
    otherwise); `label` is the category the engine reads; `value` carries a number for lexicon rules
    (number words, scale words, months); `examples` are strings the pattern must match."""

    id: str
    label: str
    pattern: str
    note: str = ""
    value: float | None = None
    examples: tuple[str, ...] = field(default=())

    @classmethod
    def from_record(cls, record: Any, source: str) -> "Rule":
        if not isinstance(record, dict):
            raise RuleDataError(f"rules/{source}: a rule must be a mapping, got {record!r}")
        known = {f.name for f in fields(cls)}
        unknown = set(record) - known
        rid = record.get("id", "?")
        if unknown:
            raise RuleDataError(f"rules/{source}: rule {rid!r} has unknown keys {sorted(unknown)}")
        missing = [k for k in ("id", "label", "pattern") if not record.get(k)]
        if missing:
            raise RuleDataError(f"rules/{source}: rule {rid!r} lacks {missing}")
        data = dict(record)
        data["examples"] = tuple(str(e) for e in data.get("examples") or ())
        data["pattern"] = str(data["pattern"])
        if data.get("value") is not None:
            data["value"] = float(data["value"])
        return cls(**data)


@functools.lru_cache(maxsize=None)
def load_rules(name: str, section: str = "rules") -> tuple[Rule, ...]:
    """The rules of one family: the list under `section` in rules/NAME. Ids must be unique."""
    doc = load_yaml(name)
    records = doc.get(section) if isinstance(doc, dict) else None
    if not isinstance(records, list):
        raise RuleDataError(f"rules/{name}: expected a list under {section!r}")
    rules = tuple(Rule.from_record(r, name) for r in records)
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleDataError(f"rules/{name}: duplicate rule id {rule.id!r}")
        seen.add(rule.id)
    return rules
