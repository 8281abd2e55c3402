"""The region gazetteer (extractor/regions.py) and its data (rules/regions/)."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from extractor import regions
from extractor.regions import (
    Gazetteer,
    Region,
    load_extras,
    load_prefixes,
    load_provinces,
    load_regencies,
)
from extractor.ruledata import RuleDataError, load_yaml

CORPUS = load_yaml("regions/corpus.yaml")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


# --- the corpus -------------------------------------------------------------------------------


def test_corpus_size() -> None:
    assert len(CORPUS["positive"]) >= 80
    assert len(CORPUS["negative"]) >= 25


# Every case: positives with their expected regions, negatives expecting none.
CASES = [(c["text"], c["expect"]) for c in CORPUS["positive"]] + [(t, []) for t in CORPUS["negative"]]


@pytest.mark.parametrize("text, expect", CASES, ids=[t[:60] for t, _ in CASES])
def test_corpus(gaz: Gazetteer, text: str, expect: list[str]) -> None:
    found = gaz.find(text)
    assert [m.region.canonical for m in found] == expect, [
        (text[m.start:m.end], m.region.canonical, m.rule) for m in found]


def test_corpus_expectations_are_canonical(gaz: Gazetteer) -> None:
    known = {r.canonical for r in [gaz.country, *gaz.provinces, *gaz.regencies]}
    unknown = {e for case in CORPUS["positive"] for e in case["expect"]} - known
    assert not unknown


# --- prefix rules -----------------------------------------------------------------------------


@pytest.mark.parametrize("rule", load_prefixes(), ids=lambda r: r.id)
def test_prefix_examples_are_found(gaz: Gazetteer, rule) -> None:
    assert rule.examples, f"{rule.id} has no examples"
    for example in rule.examples:
        found = gaz.find(example)
        assert [(m.start, m.end, m.rule) for m in found] == [(0, len(example), rule.id)], example


def test_branch_mentions_the_province(gaz: Gazetteer) -> None:
    text = "Kepala BPJS Kesehatan Cabang Pontianak, Daryono"
    (m,) = gaz.find(text)
    assert text[m.start:m.end] == "BPJS Kesehatan Cabang Pontianak"
    assert m.branch
    assert m.region == Region("Kalimantan Barat", "province", "Kalimantan Barat")


def test_mention_offsets_and_rules(gaz: Gazetteer) -> None:
    text = "Di Kab. Sintang, Singkawang dan Kalbar"
    found = gaz.find(text)
    assert [text[m.start:m.end] for m in found] == ["Kab. Sintang", "Singkawang", "Kalbar"]
    assert [m.rule for m in found] == ["regions.prefix.kabupaten", "regencies.csv:61.72",
                                       "prov.kalimantan_barat"]
    assert not any(m.branch for m in found)


# --- data: counts and consistency -------------------------------------------------------------


def test_counts(gaz: Gazetteer) -> None:
    assert len(gaz.provinces) == 38
    assert len(gaz.regencies) == 514
    levels = Counter(r.level for r in gaz.regencies)
    assert levels == {"kabupaten": 416, "kota": 98}


def test_every_regency_has_a_known_province() -> None:
    provinces = {p.name: p.code for p in load_provinces()}
    for reg in load_regencies():
        assert reg.province in provinces, reg
        assert reg.code.startswith(provinces[reg.province] + "."), reg


def test_province_codes() -> None:
    codes = [p.code for p in load_provinces()]
    assert len(set(codes)) == 38
    assert all(len(c) == 2 and c.isdigit() for c in codes)
    assert {"93", "94", "95", "96"} <= set(codes)  # the 2022 Papua provinces


def test_regencies_sorted_by_code() -> None:
    codes = [r.code for r in load_regencies()]
    assert codes == sorted(codes)


# --- lookups ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, canonical", [
    ("Kalbar", "Kalimantan Barat"),
    ("kalbar", "Kalimantan Barat"),
    ("Kab. Sintang", "Kabupaten Sintang"),
    ("Kabupaten Kayong Utara", "Kabupaten Kayong Utara"),
    ("kota singkawang", "Kota Singkawang"),
    ("Jakarta Pusat", "Kota Jakarta Pusat"),
    ("Kota Administrasi Jakarta Pusat", "Kota Jakarta Pusat"),
    ("Jambi", "Jambi"),
    ("Kota Jambi", "Kota Jambi"),
    ("Indonesia", "Indonesia"),
    ("Papua Barat Daya", "Papua Barat Daya"),
])
def test_lookup(gaz: Gazetteer, name: str, canonical: str) -> None:
    region = gaz.lookup(name)
    assert region is not None and region.canonical == canonical


@pytest.mark.parametrize("name", ["Bogor", "Kabupaten Singkawang", "Kalbar dan Jatim", "", "xyz"])
def test_lookup_none(gaz: Gazetteer, name: str) -> None:
    assert gaz.lookup(name) is None


def test_province_of(gaz: Gazetteer) -> None:
    assert gaz.province_of("Kabupaten Kayong Utara") == "Kalimantan Barat"
    assert gaz.province_of("Kota Singkawang") == "Kalimantan Barat"
    assert gaz.province_of("Kalimantan Barat") == "Kalimantan Barat"
    assert gaz.province_of("Kabupaten Kepulauan Seribu") == "DKI Jakarta"
    assert gaz.province_of("Indonesia") == ""
    assert gaz.province_of("Atlantis") == ""


def test_load_is_cached() -> None:
    assert Gazetteer.load() is Gazetteer.load()


# --- loaders reject malformed data ------------------------------------------------------------


def test_provinces_loader_rejects_unknown_keys(tmp_path: Path) -> None:
    bad = tmp_path / "provinces.yaml"
    bad.write_text("provinces:\n  - {id: prov.x, name: X, code: '99', aliases: [], capital: Y}\n")
    with pytest.raises(RuleDataError, match=r"provinces\.yaml.*'prov\.x'.*capital"):
        load_provinces(bad)


def test_provinces_loader_rejects_missing_keys() -> None:
    with pytest.raises(RuleDataError, match="lacks.*code"):
        load_provinces({"provinces": [{"id": "prov.x", "name": "X"}]})


def test_aliases_loader_rejects_unknown_keys(tmp_path: Path) -> None:
    bad = tmp_path / "aliases.yaml"
    bad.write_text("country_name: Indonesia\ncountry_phrases: [Indonesia]\n"
                   "regions:\n  - {id: alias.x, region: Kota Solok, aliases: [X], note: hi}\n")
    with pytest.raises(RuleDataError, match=r"aliases\.yaml.*'alias\.x'.*note"):
        load_extras(bad)


def test_aliases_loader_rejects_unknown_top_level_keys() -> None:
    with pytest.raises(RuleDataError, match="stopwords"):
        load_extras({"country_name": "Indonesia", "country_phrases": ["Indonesia"],
                     "stopwords": ["x"]})


def test_regencies_loader_rejects_unknown_columns(tmp_path: Path) -> None:
    bad = tmp_path / "regencies.csv"
    bad.write_text("code,kind,name,province,capital\n61.72,kota,Singkawang,Kalimantan Barat,x\n")
    with pytest.raises(RuleDataError, match=r"regencies\.csv.*'61\.72'.*capital"):
        load_regencies(bad)


def test_regencies_loader_rejects_bad_kind() -> None:
    with pytest.raises(RuleDataError, match="kind"):
        load_regencies([{"code": "1", "kind": "desa", "name": "X", "province": "Aceh"}])


def test_prefixes_loader_rejects_unknown_keys(tmp_path: Path) -> None:
    bad = tmp_path / "prefixes.yaml"
    bad.write_text("rules:\n  - {id: p.x, label: kota, pattern: Kota, flavour: x}\n")
    with pytest.raises(RuleDataError, match=r"'p\.x'.*flavour"):
        load_prefixes(bad)


def test_prefixes_loader_rejects_unknown_label() -> None:
    with pytest.raises(RuleDataError, match="desa"):
        load_prefixes({"rules": [{"id": "p.x", "label": "desa", "pattern": "Desa"}]})


def test_gazetteer_rejects_alias_of_unknown_region() -> None:
    extras = load_extras({"country_name": "Indonesia", "country_phrases": ["Indonesia"],
                          "regions": [{"id": "alias.x", "region": "Kota Atlantis",
                                       "aliases": ["Atl"]}]})
    with pytest.raises(RuleDataError, match="Kota Atlantis"):
        Gazetteer(load_provinces(), load_regencies(), extras, load_prefixes())


# --- bounded work -----------------------------------------------------------------------------


def test_find_on_3mb_returns(gaz: Gazetteer) -> None:
    # Adversarial for a backtracking matcher: prefixes everywhere, names and near-names between.
    rnd = random.Random(1)
    words = ["Kabupaten", "Kabupaten", "Kota", "Kab.", "Provinsi", "Papua", "Barat", "Daya",
             "Kayong", "Utara", "Bogor", "Indonesia", "Kartu", "secara", "nasional", "dan",
             "peserta", "BPJS", "Kesehatan", "Cabang", "x" * 40]
    parts, size = [], 0
    while size < 3_000_000:
        word = rnd.choice(words)
        parts.append(word)
        size += len(word) + 1
    found = gaz.find(" ".join(parts))
    assert isinstance(found, list)


# --- the finder's two ways of reading a text ----------------------------------------------------
# The finder reads most texts through one automaton pass over a blanked copy (regions._Scanner) and
# tokenizes the rest (texts with a character that folds to ASCII). Both must find the same words,
# prefixes and mentions; the texts below mix names, prefixes, separators and awkward characters.

FRAGMENTS = ["Papua", "Papua Barat", "PAPUA BARAT DAYA", "papua", "Kalbar", "Jakarta Pusat", "Bogor",
             "Sambas", "Jambi", "Kota", "kota", "Kab.", "Kab", "Kabupaten", "KABUPATEN", "Provinsi",
             "Prov.", "Pemprov", "Pemerintah Kota", "BPJS Kesehatan Cabang", "BPJS Kesehatan",
             "Kantor Cabang", "KC", "Kota Administrasi", "Indonesia", "se-Indonesia", "secara nasional",
             "Kartu Indonesia Sehat", "Jaminan Kesehatan Nasional", "Kesehatan", "di", "se", "dan",
             "Toli-Toli", "Kepulauan Seribu", "Padang Pariaman", "Kayong Utara", "Jenal M", "A.", "M",
             "kabar", "sebagai", "Kotabaru", "2024", "x", "tahun", "Barat", "Utara", "Daya", "Nasional",
             "Sehat", "Timur"]
SEPARATORS = [" ", " ", " ", "  ", "\n", "\n\n", "-", " - ", ".", ". ", ", ", "_", "/", "(", ")",
              "\u201c", "\u201d", "\u2013 ", "\u00a0", "\u2003", ""]
ODD = ["\u00e9", "\u017f", "\u0130", "\u00df", "\u212a", "\u0345", "\u00b2", "\u0663", "\ufb01",
       "\u03a3", "\u01f0", "\u4e2d", "\U0001d400", "?"]


def _random_texts(count: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rnd.randint(1, 25)):
            pick = rnd.random()
            if pick < 0.1:
                parts.append(rnd.choice(ODD))
            elif pick < 0.55:
                parts.append(rnd.choice(FRAGMENTS))
            else:
                parts.append(rnd.choice(SEPARATORS))
        texts.append("".join(parts))
    return texts


RANDOM_TEXTS = _random_texts(5000, seed=7)


def test_scanner_reads_what_tokenizing_reads(gaz: Gazetteer) -> None:
    read = 0
    for text in RANDOM_TEXTS:
        scanned = gaz._scanner.scan(text)
        if scanned is None:
            assert regions._folds_to_ascii(text, text.encode("ascii", "replace")), text
            continue
        read += 1
        words, literal_hits = scanned
        assert words == gaz._lexicon.words_by_tokens(text), text
        assert gaz._prefixes.matches(text, literal_hits) == gaz._prefixes.matches(text, None), text
    assert read > len(RANDOM_TEXTS) // 2  # the awkward characters must not send every text away


def test_find_is_the_same_either_way(gaz: Gazetteer, monkeypatch: pytest.MonkeyPatch) -> None:
    scanned = [gaz.find(text) for text in RANDOM_TEXTS]
    monkeypatch.setattr(gaz._scanner, "scan", lambda text: None)
    assert [gaz.find(text) for text in RANDOM_TEXTS] == scanned
    assert any(scanned)


@pytest.mark.parametrize("text, found", [
    ("Papua\u00e9 dan Jambi", ["prov.jambi"]),           # a letter that is not ASCII joins a word
    ("Pontianak\u201d kata", ["regencies.csv:61.71"]),   # a quote that is not ASCII does not
    ("\u017fambas dan Jambi", ["prov.jambi"]),           # the long s folds to s, but is no capital
    ("BPJ\u017f Kesehatan Cabang Sambas", ["regencies.csv:61.01"]),  # literals.py lowers: no branch
    ("KABUPATEN \u212aAYONG UTARA", ["regions.prefix.kabupaten"]),   # Kelvin sign lowers to k
    ("PEMERINTAH PROV\u0130NS\u0130 JAMBI", ["regions.prefix.province"]),
    ("Kota_Jambi Jambi", ["prov.jambi", "prov.jambi"]),  # "_" is no word character, nor a gap
])
def test_awkward_characters(gaz: Gazetteer, text: str, found: list[str]) -> None:
    assert [m.rule for m in gaz.find(text)] == found


def test_prefix_rule_tried_only_where_its_literal_prefix_is() -> None:
    # The automaton finds "kota" where a rule's literal prefix is "kota i"; literals.py tries that
    # rule only where the lowered text shows "kota i", and so must the finder, though the rule would
    # match "Kota \u0131wa" (re's IGNORECASE takes the dotless i for an i).
    rules = load_prefixes({"rules": [{"id": "p.iwa", "label": "kota", "pattern": "Kota Iwa"},
                                     {"id": "p.kota", "label": "kota", "pattern": "Kota"}]})
    gaz = Gazetteer(load_provinces(), load_regencies(), load_extras(), rules)
    assert [m.rule for m in gaz.find("Kota Iwa Jambi")] == ["p.iwa"]
    assert [m.rule for m in gaz.find("Kota \u0131wa Jambi")] == ["prov.jambi"]


def test_surname_after_an_initial(gaz: Gazetteer) -> None:
    for text in ["Jenal M Sambas", "Andi A. Sintang", "Andi A.  Sintang", "A\nSambas"]:
        assert gaz.find(text) == [], text
    for text in ["Jenal MA Sambas", "Andi a Sintang", "A\n\nSambas", "A..Sambas", "A-Sambas", "Sambas"]:
        assert [m.region.canonical for m in gaz.find(text)][-1:] in (
            ["Kabupaten Sambas"], ["Kabupaten Sintang"]), text


def test_folds_to_ascii_is_the_unicode_list() -> None:
    # The characters beyond ASCII whose lower case or casefold holds ASCII, worked out afresh.
    worked_out = {c for c in map(chr, range(128, 0x110000))
                  if any(x.isascii() for x in c.lower() + c.casefold())}
    assert regions._FOLDS_TO_ASCII == worked_out


def test_word_characters_are_isalnum() -> None:
    # The scanner and the initial check test isalnum() where the tokenizer's [^\W_] decides.
    word = regions._WORD
    assert all(bool(word.fullmatch(c)) == c.isalnum() for c in map(chr, range(0x110000)))


def test_folds_to_ascii_in_a_text_mostly_of_another_script() -> None:
    for text in ["\u4e2d" * 100 + "Papua", "\u4e2d" * 100 + "\u017f", "\u017f" + "\u4e2d" * 3, "Papua \u201c"]:
        expected = not regions._FOLDS_TO_ASCII.isdisjoint(text)
        assert regions._folds_to_ascii(text, text.encode("ascii", "replace")) == expected, text
