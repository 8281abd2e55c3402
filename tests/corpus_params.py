"""Parameters of a rule family (rules/*.yaml examples, rules/*.corpus.yaml), shared by test_numbers.py and
test_dates.py."""
from __future__ import annotations

from typing import Callable, Iterator

import pytest

from extractor.ruledata import load_rules


def corpus_cases(corpus: dict, case_id: Callable[[str, dict], str]) -> Iterator:
    """One parameter per text of a rule-family corpus: its groups, then its known misses as strict xfails."""
    for group in corpus["groups"]:
        for text in group["texts"]:
            yield pytest.param(text, group, id=case_id(text, group))
    for group in corpus.get("xfail") or ():
        for text in group["texts"]:
            yield pytest.param(text, group, id="xfail:" + case_id(text, group),
                               marks=pytest.mark.xfail(strict=True, reason=group["reason"]))


def rule_examples(name: str) -> list:
    """One parameter per example of every rule in rules/NAME."""
    return [pytest.param(rule, example, id=f"{rule.id}:{example}")
            for rule in load_rules(name) for example in rule.examples]
