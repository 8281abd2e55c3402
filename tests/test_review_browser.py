"""End to end in a real headless Chromium (Playwright driving Debian's /usr/bin/chromium): extract the corpus
into a store, serve the review page on loopback, review claims with the keyboard, reload, export gold.

Needs `apt-get install chromium` and `pip install playwright` (never `playwright install`: the system browser
is used). Set REVIEW_SCREENSHOT=docs/review.png to keep a screenshot of the document page."""
from __future__ import annotations

import csv
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("no chromium binary on PATH (apt-get install chromium): browser test skipped", allow_module_level=True)
try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    pytest.skip("playwright is not importable (pip install playwright): browser test skipped", allow_module_level=True)

from werkzeug.serving import make_server  # noqa: E402

from extractor import store  # noqa: E402
from extractor.review import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DOC_ID = "004_7720c02534928c24"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PLANTED = """Judul <script>window.__planted = 1; alert("xss")</script>

JAMBI - Cakupan kepesertaan JKN di Provinsi Jambi per Mei 2024 mencapai 98,5 persen dari total penduduk. <img src=x onerror="window.__planted = 2"> Jumlah peserta JKN mencapai 3,6 juta jiwa.
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review")
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "zz-planted.txt").write_text(PLANTED, encoding="utf-8")
    db = tmp / "facts.db"
    summary = store.extract_into_store(corpus, db)
    assert summary.new == len(list(corpus.glob("*.txt"))), summary.line()
    server = make_server("127.0.0.1", 0, create_app(db), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", db, tmp
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    # Nothing may come from outside this machine's loopback.
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1:")
               else (problems.append(f"outside request: {route.request.url}"), route.abort()))
    yield page
    context.close()
    assert not problems, problems


def has_class(name: str) -> re.Pattern:
    """Matches a class attribute that holds the class `name`."""
    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")


def decision_of(page, index: int):
    return expect(page.locator(f"#claim-{index}"))


def test_review_a_document_with_the_keyboard(served, page) -> None:
    base, db, tmp = served
    page.goto(f"{base}/")
    expect(page.locator(f'tr[data-doc="{DOC_ID}"]')).to_be_visible()
    page.click(f'tr[data-doc="{DOC_ID}"] a')
    expect(page.locator("#doc-id")).to_have_text(DOC_ID)
    claims = page.locator("tr.claim")
    n = claims.count()
    assert n >= 3
    # every claim in the table is highlighted in the text
    unmarked = page.evaluate("""() => {
        const marked = new Set(Array.from(document.querySelectorAll('mark[data-keys]'))
                                    .flatMap(m => m.dataset.keys.split(' ')));
        return Array.from(document.querySelectorAll('tr.claim')).map(r => r.dataset.key).filter(k => !marked.has(k));
    }""")
    assert unmarked == []
    expect(claims.nth(0)).to_have_class(has_class("current"))

    page.keyboard.press("a")                 # accept the first; the selection moves on
    decision_of(page, 0).to_have_attribute("data-decision", "accepted")
    expect(claims.nth(1)).to_have_class(has_class("current"))
    page.keyboard.press("r")                 # reject the second
    decision_of(page, 1).to_have_attribute("data-decision", "rejected")
    page.keyboard.press("j")
    page.keyboard.press("k")                 # j/k move: back on the third
    expect(claims.nth(2)).to_have_class(has_class("current"))
    key_edited = claims.nth(2).get_attribute("data-key")
    page.keyboard.press("e")                 # edit its value inline
    value = page.locator('#claim-2 input[name="value"]')
    expect(value).to_be_focused()
    value.fill("4950000")
    page.locator('#claim-2 select[name="qualifier"]').select_option("approx")
    value.press("Enter")
    decision_of(page, 2).to_have_attribute("data-decision", "corrected")
    expect(page.locator('#claim-2 td[data-field="value"]')).to_have_text("4,950,000")
    expect(page.locator("#n-reviewed")).to_have_text("3")
    expect(page.locator(f'mark[data-keys="{key_edited}"]')).to_have_class(has_class("corrected"))
    # a click on a highlight selects its claim
    mark = page.locator(f'mark[data-keys~="{claims.nth(4).get_attribute("data-key")}"]').first
    mark.click()
    expect(page.locator(f'tr.claim.current[data-key="{mark.get_attribute("data-keys").split()[0]}"]')).to_have_count(1)

    shot = Path(os.environ.get("REVIEW_SCREENSHOT") or tmp / "review.png")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000

    page.reload()                            # the decisions were saved at once
    decision_of(page, 0).to_have_attribute("data-decision", "accepted")
    decision_of(page, 1).to_have_attribute("data-decision", "rejected")
    decision_of(page, 2).to_have_attribute("data-decision", "corrected")
    expect(page.locator('#claim-2 td[data-field="value"]')).to_have_text("4,950,000")
    expect(page.locator('#claim-2 td[data-field="qualifier"]')).to_have_text("approx")
    expect(page.locator("#n-reviewed")).to_have_text("3")
    expect(claims.nth(3)).to_have_class(has_class("current"))     # the first pending claim is selected

    accepted_start = int(page.locator("#claim-0 .quote small").first.inner_text().split()[1].split("–")[0])
    out = tmp / "gold-out"
    assert store.export_gold(db, out) == 2
    with (out / "gold.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["doc_id"], r["rule"], r["extractor_version"]) for r in rows] == [(DOC_ID, "gold", "review")] * 2
    assert int(rows[0]["char_start"]) == accepted_start
    assert float(rows[1]["value"]) == 4950000 and rows[1]["qualifier"] == "approx"


def test_planted_markup_is_shown_as_text_and_never_runs(served, page) -> None:
    base, _db, _tmp = served
    page.goto(f"{base}/doc/zz-planted")
    expect(page.locator("#article")).to_contain_text('<script>window.__planted = 1; alert("xss")</script>')
    expect(page.locator("#article")).to_contain_text('<img src=x onerror="window.__planted = 2">')
    expect(page.locator("#article img")).to_have_count(0)
    assert page.evaluate("window.__planted") is None
    expect(page.locator("mark[data-keys]")).to_have_count(2)
    page.keyboard.press("e")
    page.locator('#claim-0 input[name="value"]').fill("lots")
    page.keyboard.press("Enter")             # refused in the page: nothing is sent
    expect(page.locator("#status")).to_contain_text("plain number")
    page.keyboard.press("Escape")
    expect(page.locator("#claim-0")).to_have_attribute("data-decision", "")
