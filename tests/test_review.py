"""The review app (extractor/review/app.py) through Flask's test client."""
from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("flask")

from extractor import store  # noqa: E402
from extractor.review import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
PLANTED_ID = "zz-planted"
# Scraped web text can hold markup; the page must show it as text, never run it.
PLANTED = """Cakupan JKN Jambi <script>alert("xss")</script>

JAMBI - Cakupan kepesertaan JKN di Provinsi Jambi per Mei 2024 mencapai 98,5 persen dari total penduduk. <img src=x onerror="alert(1)"> Jumlah peserta JKN mencapai 3,6 juta jiwa.
"""


@pytest.fixture()
def setup(tmp_path: Path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / f"{PLANTED_ID}.txt").write_text(PLANTED, encoding="utf-8")
    db = tmp_path / "facts.db"
    summary = store.extract_into_store(corpus, db)
    assert summary.failed == 0 and summary.new == len(list(corpus.glob("*.txt")))
    app = create_app(db)
    app.config["TESTING"] = True
    return app.test_client(), db, corpus


def facts_of(db: Path, doc_id: str) -> list[dict]:
    conn = store.connect(db)
    try:
        return store.facts_of(conn, doc_id)
    finally:
        conn.close()


def post(client, body, **kwargs):
    return client.post("/api/decision", data=json.dumps(body), content_type="application/json", **kwargs)


def test_index_lists_articles_with_counts_and_filters(setup) -> None:
    client, db, corpus = setup
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    doc_ids = sorted(p.stem for p in corpus.glob("*.txt"))
    for doc_id in doc_ids:
        assert f'data-doc="{doc_id}"' in text
        n = len(facts_of(db, doc_id))
        row = re.search(rf'<tr data-doc="{re.escape(doc_id)}">(.*?)</tr>', text, re.S).group(1)
        assert re.findall(r'<td class="num">(\d+)</td>', row) == [str(n), "0", str(n)]

    post(client, {"fact_key": facts_of(db, PLANTED_ID)[0]["fact_key"], "decision": "accepted"})
    row = re.search(rf'<tr data-doc="{PLANTED_ID}">(.*?)</tr>', client.get("/").get_data(as_text=True), re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["2", "1", "1"]

    targets = client.get("/?status=target").get_data(as_text=True)
    with_targets = {d for d in doc_ids if any(f["status"] == "target" for f in facts_of(db, d))}
    assert set(re.findall(r'data-doc="([^"]+)"', targets)) == with_targets
    visits = client.get("/?metric=visits").get_data(as_text=True)
    assert set(re.findall(r'data-doc="([^"]+)"', visits)) == {
        d for d in doc_ids if any(f["metric"] == "visits" for f in facts_of(db, d))}
    assert client.get("/?metric=visits&status=target").status_code == 200
    assert client.get("/?metric=<script>").status_code == 200      # unknown filters are ignored


def test_doc_page_highlights_every_claim_and_escapes_the_text(setup) -> None:
    client, db, _ = setup
    page = client.get(f"/doc/{PLANTED_ID}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<script>alert("xss")</script>' not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in text
    # every script on the page is ours: data blocks or the nonce'd app script, and the policy says so
    policy = page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    for tag in re.findall(r"<script[^>]*>", text):
        assert 'type="application/json"' in tag or f'nonce="{nonce}"' in tag, tag
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy
    assert not re.search(r'(src|href)="(https?:)?//', text)           # nothing from the network
    facts = facts_of(db, PLANTED_ID)
    marks = re.findall(r'<mark class="pending" data-keys="([^"]+)"[^>]*>(.*?)</mark>', text)
    assert [m[1] for m in marks] == [f["quote"] for f in facts] == ["98,5 persen", "3,6 juta"]
    assert [m[0] for m in marks] == [f["fact_key"] for f in facts]
    for f in facts:   # the side table: fields and provenance
        assert f'data-key="{f["fact_key"]}"' in text and f"chars {f['char_start']}–{f['char_end']}" in text
    article = re.search(r'<div class="article" id="article">(.*?)</div>', text, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", article.replace("<wbr>", ""))) == PLANTED


def test_doc_page_of_a_long_article(setup) -> None:
    client, db, corpus = setup
    doc_id = "004_7720c02534928c24"
    text = client.get(f"/doc/{doc_id}").get_data(as_text=True)
    facts = facts_of(db, doc_id)
    keys = set(re.findall(r'<mark [^>]*data-keys="([^"]+)"', text))
    assert {k for joined in keys for k in joined.split()} == {f["fact_key"] for f in facts}
    article = re.search(r'<div class="article" id="article">(.*?)</div>', text, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", article)) == (corpus / f"{doc_id}.txt").read_text(encoding="utf-8")
    assert client.get("/doc/no-such-article").status_code == 404


def test_doc_page_without_its_file_shows_the_sentences(setup) -> None:
    client, db, corpus = setup
    (corpus / f"{PLANTED_ID}.txt").unlink()
    text = client.get(f"/doc/{PLANTED_ID}").get_data(as_text=True)
    assert "The article file is gone" in text
    assert "&lt;img src=x" in text and "<img src=x" not in text        # the sentence holds the planted markup
    assert re.findall(r"<mark [^>]*>(.*?)</mark>", text) == ["98,5 persen", "3,6 juta"]
    assert "&lt;script&gt;" not in text.split('id="article"')[1].split("</section>")[0]   # the title is no claim's sentence

    (corpus / f"{PLANTED_ID}.txt").write_text(PLANTED.replace("98,5", "97,5"), encoding="utf-8")
    text = client.get(f"/doc/{PLANTED_ID}").get_data(as_text=True)
    assert "has changed since its claims were extracted" in text
    assert re.findall(r"<mark [^>]*>(.*?)</mark>", text) == ["98,5 persen", "3,6 juta"]


def test_decisions_are_saved_at_once(setup) -> None:
    client, db, _ = setup
    facts = facts_of(db, PLANTED_ID)
    coverage, participants = facts
    answer = post(client, {"fact_key": coverage["fact_key"], "decision": "accepted", "reviewer": "ana"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["counts"] == {"claims": 2, "reviewed": 1, "pending": 1}
    answer = post(client, {"fact_key": participants["fact_key"], "decision": "corrected",
                           "corrected_fields": {"value": "3700000", "metric": "participants", "region": "Jambi",
                                                "as_of": "2024-05", "qualifier": "approx", "status": "actual"}})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["fact"]["value"] == 3700000.0 and answer.get_json()["fact"]["qualifier"] == "approx"
    saved = {f["fact_key"]: f for f in facts_of(db, PLANTED_ID)}
    assert saved[coverage["fact_key"]]["decision"] == "accepted" and saved[coverage["fact_key"]]["reviewer"] == "ana"
    assert saved[participants["fact_key"]]["corrected_fields"] == {"value": 3700000.0, "qualifier": "approx"}
    page = client.get(f"/doc/{PLANTED_ID}").get_data(as_text=True)
    assert 'data-decision="accepted"' in page and 'data-decision="corrected"' in page
    assert "3,700,000" in page and 'title="extracted: 3600000.0"' in page

    assert post(client, {"fact_key": coverage["fact_key"], "decision": "rejected"}).status_code == 200
    assert facts_of(db, PLANTED_ID)[0]["decision"] == "rejected"


def test_the_decision_endpoint_refuses_bad_requests(setup) -> None:
    client, db, _ = setup
    key = facts_of(db, PLANTED_ID)[0]["fact_key"]
    assert post(client, {"fact_key": key, "decision": "maybe"}).status_code == 400
    assert post(client, {"fact_key": key, "decision": "corrected", "corrected_fields": {"as_of": "Mei"}}).status_code == 400
    assert post(client, {"fact_key": key, "decision": "corrected", "corrected_fields": {"value": "x"}}).status_code == 400
    assert post(client, {"fact_key": "f" * 64, "decision": "accepted"}).status_code == 404
    assert post(client, ["not", "an", "object"]).status_code == 400
    form = client.post("/api/decision", data={"fact_key": key, "decision": "accepted"})
    assert form.status_code == 415
    cross = post(client, {"fact_key": key, "decision": "accepted"}, headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403
    assert all(not f["decision"] for f in facts_of(db, PLANTED_ID))
    assert client.get("/api/decision").status_code == 405
