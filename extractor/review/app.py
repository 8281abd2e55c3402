"""The review app (Flask). Every page is server-rendered with autoescaping on (article text is scraped web
text), every script and style is inline with a per-request nonce under a strict Content-Security-Policy, and
nothing is loaded from the network.

Routes
  GET  /                     articles with counts of claims, reviewed, pending; ?metric=&status= filter claims
  GET  /doc/<doc_id>         the article text with each claim highlighted in place, the claims table with
                             provenance, accept / reject / correct controls (keys: j k a r e)
  POST /api/decision         JSON {fact_key, decision: accepted|rejected|corrected, corrected_fields?, reviewer?}
                             saved at once; answers JSON {ok, review, fact, counts} or {error}
"""
from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, g, jsonify, render_template, request

from extractor import store
from extractor.facts import format_value
from extractor.reader import ArticleError, read_article

EDITABLE = ("value", "metric", "region", "as_of", "qualifier", "status")


def create_app(store_path: Path) -> Flask:
    app = Flask(__name__)
    app.config["STORE_PATH"] = Path(store_path)
    app.jinja_env.autoescape = True          # every template, whatever its extension
    app.jinja_env.filters["show_value"] = show_value
    store.connect(app.config["STORE_PATH"]).close()     # create the store's tables if it is new

    def conn() -> sqlite3.Connection:
        if "conn" not in g:
            g.conn = store.connect(app.config["STORE_PATH"])
        return g.conn

    @app.teardown_appcontext
    def close_conn(_exc: BaseException | None) -> None:
        db = g.pop("conn", None)
        if db is not None:
            db.close()

    @app.before_request
    def make_nonce() -> None:
        g.nonce = secrets.token_urlsafe(18)

    @app.after_request
    def security_headers(response):
        nonce = getattr(g, "nonce", "")
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
            "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        return {"nonce": getattr(g, "nonce", ""), "metric_choices": sorted(store.METRIC_UNITS),
                "qualifier_choices": store.QUALIFIERS, "status_choices": store.STATUSES}

    def filters() -> tuple[str, str]:
        metric = request.args.get("metric", "").strip()
        status = request.args.get("status", "").strip()
        return (metric if metric in store.METRIC_UNITS else "",
                status if status in store.STATUSES else "")

    @app.get("/")
    def index():
        metric, status = filters()
        db = conn()
        articles = store.list_articles(db, metric or None, status or None)
        totals = {"articles": len(articles), "claims": sum(a.claims for a in articles),
                  "reviewed": sum(a.reviewed for a in articles)}
        totals["pending"] = totals["claims"] - totals["reviewed"]
        return render_template("index.html", articles=articles, totals=totals, metric=metric, status=status,
                               metrics=store.metrics_in_store(db))

    @app.get("/doc/<path:doc_id>")
    def document(doc_id: str):
        metric, status = filters()
        db = conn()
        info = store.get_article(db, doc_id)
        if info is None:
            abort(404, f"no article {doc_id!r} in the store")
        facts = [f for f in store.facts_of(db, doc_id)
                 if (not metric or f["metric"] == metric) and (not status or f["status"] == status)]
        text, note = article_text(info)
        if text is not None:
            passages = [highlight(text, facts, 0)]
        else:
            passages = sentence_passages(facts)
        ids = [a.doc_id for a in store.list_articles(db, metric or None, status or None)]
        at = ids.index(doc_id) if doc_id in ids else -1
        neighbours = {"prev": ids[at - 1] if at > 0 else None,
                      "next": ids[at + 1] if 0 <= at < len(ids) - 1 else None}
        client = [{"key": f["fact_key"], "decision": f["decision"], "original": {c: f[c] for c in EDITABLE},
                   "fields": {c: f["effective"][c] for c in (*EDITABLE, "unit")},
                   **{c: f[c] for c in ("quote", "sentence", "rule", "char_start", "char_end")}} for f in facts]
        return render_template("doc.html", info=info, facts=facts, passages=passages, note=note,
                               client=client, metric=metric, status=status, neighbours=neighbours,
                               counts=counts_of(facts))

    @app.post("/api/decision")
    def decision():
        origin = request.headers.get("Origin")
        if origin and urlsplit(origin).netloc != request.host:
            return jsonify(error="cross-origin request refused"), 403
        if not request.is_json:
            return jsonify(error="send JSON (Content-Type: application/json)"), 415
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify(error="the body must be a JSON object"), 400
        key = str(body.get("fact_key", ""))
        db = conn()
        try:
            review = store.record_review(db, key, str(body.get("decision", "")), body.get("corrected_fields"),
                                         str(body.get("reviewer", "") or ""))
        except LookupError as exc:
            return jsonify(error=str(exc.args[0] if exc.args else exc)), 404
        except store.ReviewError as exc:
            return jsonify(error=str(exc)), 400
        doc_id = db.execute("SELECT doc_id FROM facts WHERE fact_key = ?", (key,)).fetchone()[0]
        facts = store.facts_of(db, doc_id)
        fact = next(f for f in facts if f["fact_key"] == key)
        return jsonify(ok=True, review=review, fact={c: fact["effective"][c] for c in (*EDITABLE, "unit")},
                       counts=counts_of(facts))

    return app


def counts_of(facts: list[dict[str, Any]]) -> dict[str, int]:
    reviewed = sum(1 for f in facts if f["decision"])
    return {"claims": len(facts), "reviewed": reviewed, "pending": len(facts) - reviewed}


def show_value(value: Any) -> str:
    """A value as a reviewer reads it: thousands grouped, no float noise."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number.is_integer() and abs(number) < 1e18:
        return f"{int(number):,}"
    return format_value(number)


def article_text(info: store.ArticleInfo) -> tuple[str | None, str]:
    """The article's decoded text, or None and why not (the file is gone, unreadable, or has changed since its
    facts were extracted, so that their offsets no longer hold)."""
    path = Path(info.path)
    if not path.is_file():
        return None, f"The article file is gone ({info.path}): showing the sentences that hold the claims."
    depth = len(PurePosixPath(info.doc_id).parts)
    root = path.parents[depth - 1] if 0 < depth <= len(path.parents) else path.parent
    try:
        article = read_article(path, root)
    except (OSError, ArticleError) as exc:
        return None, f"The article file cannot be read ({exc}): showing the sentences that hold the claims."
    if article.sha256 != info.sha256:
        return None, ("The article file has changed since its claims were extracted (run extract again): "
                      "showing the sentences that hold the claims.")
    return article.text, ""


def highlight(text: str, facts: list[dict[str, Any]], base: int) -> list[dict[str, Any]]:
    """Cut `text` (which starts at offset `base` of the article) into segments at every claim's edges; each
    segment lists the keys of the claims that cover it. Claims that do not fit are left out."""
    spans = [(f["char_start"] - base, f["char_end"] - base, f) for f in facts
             if 0 <= f["char_start"] - base < f["char_end"] - base <= len(text)]
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    segments = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [f for s, e, f in spans if s <= a and b <= e]
        segments.append({"text": text[a:b], "fact_keys": " ".join(f["fact_key"] for f in covering),
                         "decision": covering[0]["decision"] if covering else "",
                         "title": ", ".join(f"{f['metric']} {show_value(f['value'])}" for f in covering)})
    return segments


def sentence_passages(facts: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """When the text is missing: each distinct sentence once, its claims highlighted where their quote is."""
    passages: list[list[dict[str, Any]]] = []
    order: dict[str, list[dict[str, Any]]] = {}
    for fact in facts:
        order.setdefault(fact["sentence"], []).append(fact)
    for sentence, group in order.items():
        placed, cursor = [], 0
        for fact in group:
            at = sentence.find(fact["quote"], cursor)
            if at < 0:
                at = sentence.find(fact["quote"])
            if at < 0:
                continue
            placed.append({**fact, "char_start": at, "char_end": at + len(fact["quote"])})
            cursor = at
        passages.append(highlight(sentence, placed, 0))
    return passages


def serve(store_path: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the review page until interrupted (a local tool: bind to loopback unless you mean otherwise)."""
    app = create_app(store_path)
    print(f"reviewing {store_path} at http://{host}:{port}/  (Ctrl+C to stop)")
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
