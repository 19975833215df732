"""The developer docs: the guide opens on the quick start, every page renders from docs/*.md,
links between pages work, and the API reference puts the merchant's operations first."""

import re

import pytest

from payments.providers import registry
from portal.docs import GUIDE, guide_sections

pytestmark = pytest.mark.django_db


def _hrefs(html: bytes) -> list[str]:
    return re.findall(r'href="([^"#]*)(?:#[^"]*)?"', html.decode())


def test_docs_open_on_the_quick_start_with_the_guide_beside_it(client):
    response = client.get("/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Quick start: your first payment</h1>" in html
    assert "curl" in html and "@fincode/node" in html
    nav = html.split('<nav class="docs-nav"', 1)[1].split("</nav>", 1)[0]
    # Merchant-first: getting started before the rest, the internal budgets last.
    order = re.findall(r'href="/docs/([\w-]+)/"', nav)
    assert order[:7] == [
        "quickstart",
        "test-cards",
        "webhooks",
        "3d-secure",
        "idempotency",
        "handling-errors",
        "limits",
    ]
    assert order.index("budgets") > order.index("chargebacks")


def test_every_guide_page_renders_and_every_docs_link_resolves(client):
    pages = [p for _, section in guide_sections() for p in section]
    assert len(pages) >= 15
    seen: set[str] = set()
    for page in pages:
        response = client.get(f"/docs/{page.slug}/")
        assert response.status_code == 200, page
        assert b"<h1>" in response.content, page
        # A Markdown link to a sibling file became a page link; none points at the repository.
        assert not re.search(rb'href="[^"]*\.md(#[^"]*)?"', response.content), page
        seen.update(h for h in _hrefs(response.content) if h.startswith("/docs/"))
    for href in sorted(seen):
        assert client.get(href).status_code == 200, href


def test_headings_get_anchors_and_the_page_a_table_of_contents(client):
    html = client.get("/docs/webhooks/").content.decode()
    assert '<h2 id="verify-our-webhook-signature">Verify our webhook signature</h2>' in html
    assert 'href="#verify-our-webhook-signature"' in html
    assert "hmac.compare_digest" in html  # the verification code, as code


def test_the_test_cards_page_lists_the_simulators_cards(client):
    html = client.get("/docs/test-cards/").content.decode()
    for number, card in registry.test_cards().items():
        assert f"<code>{number}</code>" in html
        assert card.description.split(" (")[0] in html
    assert "{{" not in html


def test_unknown_pages_are_404_and_raw_html_in_markdown_is_escaped(client, tmp_path, settings, monkeypatch):
    assert client.get("/docs/no-such-page/").status_code == 404
    assert client.get("/docs/../README/").status_code == 404
    from portal import docs

    page = tmp_path / "evil.md"
    page.write_text("# Evil\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n")
    monkeypatch.setattr(docs, "DOCS_DIR", tmp_path)
    monkeypatch.setattr(docs, "GUIDE", [("Test", [docs.Page("evil", "Evil", "evil.md")])])
    html = client.get("/docs/evil/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript:' not in html


def test_api_reference_and_error_codes_are_linked_from_the_guide(client):
    assert client.get("/docs/api/").status_code == 200
    errors_page = client.get("/docs/errors/").content.decode()
    assert 'class="nowrap"><code>E0100000002</code>' in errors_page
    assert 'class="docs-nav"' in errors_page


def test_openapi_tags_are_ordered_merchant_first(client):
    schema = client.get("/v1/openapi.json").json()
    tags = [t["name"] for t in schema["tags"]]
    assert tags[:5] == ["Payments", "Cards", "Customers", "Payment methods", "Webhooks"]
    assert tags[-1] == "budgets"
    used = {t for ops in schema["paths"].values() for op in ops.values() for t in op.get("tags", [])}
    assert used <= set(tags), used - set(tags)


def test_the_guide_lists_only_files_that_exist():
    for _, pages in GUIDE:
        for page in pages:
            assert re.fullmatch(r"[a-z0-9-]+", page.slug)


def test_the_quick_start_in_japanese_runs_the_same_commands(client):
    from portal.docs import DOCS_DIR

    def blocks(path):
        return re.findall(r"```\w*\n.*?```", path.read_text(), re.S)

    english, japanese = DOCS_DIR / "guide/quickstart.md", DOCS_DIR / "ja/guide/quickstart.md"
    assert blocks(japanese) == blocks(english)  # the commands tests/contract runs, unchanged
    html = client.get("/docs/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "<h1>クイックスタート：はじめての決済</h1>" in html
    assert 'href="/docs/test-cards/"' in html
    assert "<h1>Quick start: your first payment</h1>" in client.get("/docs/").content.decode()
