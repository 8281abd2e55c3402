"""Cue phrases and qualifiers (extractor/cues.py)."""
from __future__ import annotations

import pytest

from extractor.cues import find_cues, qualifier_after, qualifier_before


def labels(text):
    return [(text[c.start:c.end], c.label) for c in find_cues(text)]


def test_longest_cue_wins_over_the_words_inside_it():
    assert labels("tingkat keaktifan kepesertaan JKN di 80,42%") == [
        ("tingkat keaktifan kepesertaan JKN", "active")]


def test_not_registered_beats_registered():
    found = labels("penduduk yang belum terdaftar Program JKN")
    assert ("belum terdaftar Program", "predicate_unregistered") in found


def test_cues_are_whole_words():
    assert labels("pesertanya") == []
    assert labels("Kunjungan") == [("Kunjungan", "visit")]


@pytest.mark.parametrize("left,label", [
    ("tercatat lebih dari ", "min"), ("Tembus ", "min"), ("sekitar ", "approx"),
    ("kurang lebih ", "approx"), ("di bawah ", "max"), ("keaktifan minimal ", "criteria"),
    ("UHC, yaitu cakupan di atas ", "criteria"), ("tiga provinsi yang cakupannya di bawah ", "criteria"),
    ("naik ", "change"), ("meningkat sebesar ", "change"), ("diperkirakan akan mencapai ", "approx"),
    ("Dari ", "denominator"),
])
def test_qualifier_before(left, label):
    assert qualifier_before(left).label == label


@pytest.mark.parametrize("left", ["jumlah peserta mencapai ", "meningkat menjadi ", "sebanyak "])
def test_no_qualifier_before(left):
    assert qualifier_before(left) is None


def test_qualifier_after():
    assert qualifier_after(" lebih warga").label == "min"
    assert qualifier_after(" jiwa") is None
