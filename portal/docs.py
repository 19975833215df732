"""The developer documentation site: a guide rendered from the repository's Markdown (``docs/``),
the API reference (Swagger UI on the OpenAPI schema) and the error-code table.

``/docs/`` opens on the quick start; every page of ``GUIDE`` is ``/docs/<slug>/``. Links between
the Markdown files (``webhooks.md``, ``docs/webhooks.md``) become links between pages, so the
same files read well on GitHub and here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from markdown_it import MarkdownIt

from portal import errors

DOCS_DIR = Path(settings.BASE_DIR) / "docs"


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    path: str  # under docs/


GUIDE: list[tuple[str, list[Page]]] = [
    (
        "Get started",
        [
            Page("quickstart", "Quick start", "guide/quickstart.md"),
            Page("test-cards", "Test cards", "guide/test-cards.md"),
            Page("webhooks", "Webhooks", "webhooks.md"),
            Page("3d-secure", "3-D Secure 2", "guide/3d-secure.md"),
            Page("idempotency", "Idempotency", "guide/idempotency.md"),
            Page("handling-errors", "Errors", "guide/errors.md"),
            Page("limits", "Limits", "guide/limits.md"),
        ],
    ),
    (
        "Ways to pay",
        [
            Page("wallets", "QR wallets, Apple Pay, Google Pay", "wallets.md"),
            Page("credit", "BNPL (後払い) and credit checks", "credit.md"),
            Page("directdebit", "Direct debit", "directdebit.md"),
            Page("hosted-pages", "Hosted payment pages", "hosted-pages.md"),
            Page("subscriptions", "Subscriptions", "subscriptions.md"),
            Page("invoices", "Invoices", "invoices.md"),
            Page("bulk-payments", "Bulk payments", "bulk-payments.md"),
        ],
    ),
    (
        "Platforms and money",
        [
            Page("platforms", "Platforms and tenant shops", "platforms.md"),
            Page("examinations", "Examinations", "examinations.md"),
            Page("settlements", "Settlements and deposits", "settlements.md"),
            Page("chargebacks", "Chargebacks", "chargebacks.md"),
        ],
    ),
    (
        "Operations",
        [
            Page("status", "Status page", "status.md"),
            Page("security-events", "Security events and alerts", "security-events.md"),
            Page("log-export", "Log export", "log-export.md"),
            Page("budgets", "Budgets (FinOps)", "budgets.md"),
        ],
    ),
]


def guide_sections() -> list[tuple[str, list[Page]]]:
    """The guide's sections, without pages whose file is absent from this checkout."""
    return [(name, [p for p in pages if (DOCS_DIR / p.path).is_file()]) for name, pages in GUIDE]


def _pages_by_file() -> dict[str, Page]:
    return {Path(p.path).name: p for _, pages in GUIDE for p in pages}


def _slugify(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-")


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    by_file = _pages_by_file()
    default_link = md.renderer.rules.get("link_open")
    default_heading = md.renderer.rules.get("heading_open")

    def link_open(self, tokens, idx, options, env):
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        target, _, anchor = href.partition("#")
        if target.endswith(".md") and "://" not in target:
            page = by_file.get(Path(target).name)
            if page is not None:
                token.attrSet("href", f"/docs/{page.slug}/" + (f"#{anchor}" if anchor else ""))
        elif "://" in href:
            token.attrSet("rel", "noopener")
        if default_link:
            return default_link(tokens, idx, options, env)
        return self.renderToken(tokens, idx, options, env)

    def heading_open(self, tokens, idx, options, env):
        token = tokens[idx]
        inline = tokens[idx + 1]
        if token.tag in {"h2", "h3"} and inline.type == "inline":
            token.attrSet("id", _slugify(inline.content))
        if default_heading:
            return default_heading(tokens, idx, options, env)
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    md.add_render_rule("heading_open", heading_open)
    return md


def _test_cards_table() -> str:
    from payments.providers.registry import test_cards

    rows = ["| card number | what happens |", "| --- | --- |"]
    rows += [f"| `{number}` | {card.description} |" for number, card in test_cards().items()]
    return "\n".join(rows)


def _challenge_code() -> str:
    from simulators.cards import CHALLENGE_CODE  # test equipment, documented (loaded on first view)

    return CHALLENGE_CODE


GENERATED = {"test_cards": _test_cards_table, "challenge_code": _challenge_code}


@lru_cache(maxsize=64)
def _render(path: Path, mtime: float) -> tuple[str, str, list[tuple[str, str]]]:
    """(title, html, table of contents) of a Markdown file; cached per modification time."""
    source = path.read_text(encoding="utf-8")
    source = re.sub(
        r"\{\{\s*(\w+)\s*\}\}", lambda m: GENERATED[m.group(1)]() if m.group(1) in GENERATED else "", source
    )
    md = _markdown()
    tokens = md.parse(source)
    title, toc = "", []
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens):
            text = tokens[i + 1].content
            if token.tag == "h1" and not title:
                title = text
            elif token.tag == "h2":
                toc.append((_slugify(text), text))
    return title, md.renderer.render(tokens, md.options, {}), toc


@require_GET
def guide_page(request, slug: str = "quickstart"):
    page = next((p for _, pages in GUIDE for p in pages if p.slug == slug), None)
    path = DOCS_DIR / page.path if page else None
    if page is None or path is None or not path.is_file():
        raise Http404("No such page in the guide")
    # A translation where there is one (docs/<language>/…), else the English page.
    language = (get_language() or "en").split("-")[0]
    translated = DOCS_DIR / language / page.path
    if language != "en" and translated.is_file():
        path = translated
    title, html, toc = _render(path, path.stat().st_mtime)
    # The page's title first, then its table of contents, then the rest.
    heading, found, rest = html.partition("</h1>")
    heading, body = (heading + found, rest) if found else ("", html)
    return render(
        request,
        "portal/docs_page.html",
        {
            "page": page,
            "title": title or page.title,
            "heading": heading,
            "body": body,
            "toc": toc,
            "sections": guide_sections(),
        },
    )


@require_GET
def error_codes(request):
    areas = errors.AREAS
    fixed = [(spec, areas.get(spec.code[1:3], "")) for spec in errors.fixed_codes()]
    tables = [
        {"area": area, "name": areas[area], "fields": sorted(fields.items(), key=lambda kv: kv[1])}
        for area, fields in errors.field_tables().items()
    ]
    causes = sorted(((number, name, text) for name, (number, text) in errors.CAUSES.items()))
    return render(
        request,
        "portal/docs_errors.html",
        {"fixed": fixed, "tables": tables, "causes": causes, "sections": guide_sections()},
    )
