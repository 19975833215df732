"""A statement as CSV and as PDF (docs/settlements.md lists the CSV columns).

The PDF uses fpdf2's core fonts: its labels are ASCII, and text outside Latin-1 (a Japanese
shop name, a reason) is written as ``?`` — the CSV (UTF-8 with a BOM, for Excel) keeps it whole.
"""

from __future__ import annotations

import csv
import io

from django.utils import timezone

from payments.settlements.models import Statement
from payments.settlements.services import tax_of

CSV_COLUMNS = [
    "account_id", "statement_id", "shop_id", "aggregate_term_start", "aggregate_term_end",
    "scheduled_deposit_date", "detail_id", "trade_type", "order_id", "access_id", "pay_type", "fee_class",
    "booked_at", "amount", "fee", "fee_tax", "platform_fee", "platform_fee_tax", "deposit_amount", "reason",
]  # fmt: skip

SUMMARY = [
    ("Count", "count"),
    ("Total amount", "total_amount"),
    ("Fee", "fee_amount"),
    ("Tax on fee (10%)", "tax_amount"),
    ("Platform fee", "platform_fee_amount"),
    ("Tax on platform fee (10%)", "platform_fee_tax_amount"),
    ("Settlement amount", "settlement_amount"),
    ("Bank transfer fee", "bank_transfer_fee"),
    ("Deposit amount", "deposit_amount"),
]


def statement_filename(statement: Statement, extension: str) -> str:
    return f"statement-{statement.public_id}-{statement.term_start:%Y%m%d}.{extension}"


def _rows(statement: Statement):
    lines = statement.lines.select_related("posting").order_by("id")
    for line in lines:
        p = line.posting
        fee_tax, pf_tax = tax_of(p.fee), tax_of(p.platform_fee)
        yield [
            statement.account_id, statement.public_id, statement.merchant.public_id,
            statement.term_start.isoformat(), statement.term_end.isoformat(),
            statement.scheduled_deposit_date.isoformat(), p.pk, p.trade_type, p.order_id, p.access_id,
            p.pay_type, p.fee_class, timezone.localtime(p.booked_at).isoformat(), p.amount, p.fee, fee_tax, p.platform_fee, pf_tax,
            p.amount - p.fee - fee_tax - p.platform_fee - pf_tax, p.reason if p.kind == "adjustment" else "",
        ]  # fmt: skip


def statement_csv(*, statement: Statement) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_rows(statement))
    return out.getvalue()


def _latin(text: object) -> str:
    return str(text).encode("latin-1", "replace").decode("latin-1")


def statement_pdf(*, statement: Statement) -> bytes:
    from fpdf import FPDF  # type: ignore[import-untyped]  # here: importing it costs ~0.3 s per process

    pdf = FPDF(format="A4")
    pdf.set_title(f"Settlement statement {statement.public_id}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Settlement statement", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    facts = [
        ("Shop", f"{_latin(statement.merchant.name)} ({statement.merchant.public_id})"),
        ("Statement", f"{statement.public_id} (account {statement.account_id}, {statement.mode})"),
        ("Term", f"{statement.term_start:%Y-%m-%d} - {statement.term_end:%Y-%m-%d}"),
        ("Scheduled deposit", f"{statement.scheduled_deposit_date:%Y-%m-%d}"),
        ("Status", f"{statement.status_code} {_latin(statement.get_status_code_display())}"),
    ]
    for label, value in facts:
        pdf.cell(45, 6, label)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for label, field in SUMMARY:
        pdf.cell(60, 6, label, border="B")
        pdf.cell(40, 6, f"{getattr(statement, field):,} {statement.currency}", border="B", align="R")
        pdf.ln(6)
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 9)
    widths = [
        (18, "Type"),
        (58, "Order / reference"),
        (32, "Booked (JST)"),
        (26, "Amount"),
        (22, "Fee"),
        (22, "Pf. fee"),
    ]
    for width, title in widths:
        pdf.cell(width, 6, title, border=1)
    pdf.ln(6)
    pdf.set_font("Helvetica", size=8)
    for row in _rows(statement):
        cells = [
            row[7],
            row[8] or _latin(row[19])[:30],
            row[12][:16].replace("T", " "),
            f"{row[13]:,}",
            row[14],
            row[16],
        ]
        for (width, _), value in zip(widths, cells, strict=True):
            pdf.cell(width, 5, _latin(value), border=1)
        pdf.ln(5)
    return bytes(pdf.output())
