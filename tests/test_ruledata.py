"""The rule data loader (extractor/ruledata.py) and every rules file it serves."""
from __future__ import annotations

import pytest
import regex

from extractor.ruledata import Rule, RuleDataError, load_rules, rule_regex, rules_file, rules_root

# Rule families that are plain Rule records, and the YAML section that holds them.
RULE_FILES = [("numbers.yaml", "rules"), ("dates.yaml", "rules"), ("cues.yaml", "rules"),
              ("layout.yaml", "rules"), ("qualifiers.yaml", "before"), ("qualifiers.yaml", "after"),
              ("regions/prefixes.yaml", "rules")]


def test_rule_rejects_unknown_keys():
    with pytest.raises(RuleDataError, match=r"cues.yaml.*'x'.*\['colour'\]"):
        Rule.from_record({"id": "x", "label": "l", "pattern": "p", "colour": "red"}, "cues.yaml")


def test_rule_requires_id_label_pattern():
    with pytest.raises(RuleDataError, match="lacks"):
        Rule.from_record({"id": "x", "label": "l"}, "cues.yaml")


def test_rule_record_must_be_a_mapping():
    with pytest.raises(RuleDataError, match="mapping"):
        Rule.from_record(["id", "x"], "cues.yaml")


def test_missing_rules_file_is_named():
    with pytest.raises(RuleDataError, match="nope.yaml"):
        rules_file("nope.yaml")


def test_rules_ship_inside_the_package():
    # Installed as extractor.rules (pyproject maps rules/ there), read with importlib.resources.
    assert rules_root().joinpath("cues.yaml").is_file()


@pytest.mark.parametrize("name,section", RULE_FILES)
def test_rule_files_load_with_unique_ids(name, section):
    rules = load_rules(name, section)
    assert rules and len({r.id for r in rules}) == len(rules)


def _examples():
    for name, section in RULE_FILES:
        if name in ("numbers.yaml", "dates.yaml"):
            continue  # their examples run through the engines in test_numbers.py / test_dates.py
        for rule in load_rules(name, section):
            for example in rule.examples:
                yield pytest.param(rule, example, id=f"{rule.id}:{example[:30]}")


@pytest.mark.parametrize("rule,example", list(_examples()))
def test_every_rule_example_matches_its_pattern(rule, example):
    assert regex.search(rule.pattern, example, regex.IGNORECASE | regex.V1), (rule.id, example)


# Families whose engine splits a pattern on "|" into single words or phrases (lexicons, not regexes).
SPLIT_LABELS = {"dates.yaml": {"month", "weekday", "anchor", "year_word", "month_word", "end_of_period",
                               "start_of_period", "quarter", "semester", "ordinal"},
                "layout.yaml": {"abbreviation", "clause_break", "apposition", "national_dateline"},
                "numbers.yaml": {"unit", "atom", "teen", "tens", "hundreds", "half", "scale", "scale_one"}}


def _split_rules():
    for name, labels in SPLIT_LABELS.items():
        for rule in load_rules(name):
            if rule.label in labels:
                yield pytest.param(rule, id=rule.id)


@pytest.mark.parametrize("rule", list(_split_rules()))
def test_lexicon_alternatives_stand_alone(rule):
    # The engine splits these patterns on "|": a group holding "|" would fall apart into broken pieces.
    for alternative in rule.pattern.split("|"):
        regex.compile(alternative)
        assert alternative.count("(") == alternative.count(")"), (rule.id, alternative)


def test_rule_regex_is_version_1_case_insensitive_with_simple_folding():
    pattern = rule_regex(r"(?p)peserta(?: JKN)?|peserta")
    assert pattern.match("PESERTA jkn").group() == "PESERTA jkn"   # POSIX: the longest alternative
    assert not pattern.flags & regex.FULLCASE
    assert rule_regex(r"\p{Lu}+", ignore_case=False).match("abc") is None
