// Contract test: invoices (/v1/invoices) through fincode's Node SDK's own request layer.
// @fincode/node 1.1.0 has no invoices resource, so the calls are made with the SDK's exported
// createFincodeRequestFetch (its URL, headers, Bearer key and JSON handling), the hosts
// redirected by sdk.js. The buyer's bank transfer comes from the bank simulator.
//
// Environment: PORTAL_URL, SECRET_KEY. One JSON line per step; non-zero exit on failure.
"use strict";

const assert = require("assert");
const { BASE, realFetch, fincode, step, sdk } = require("./sdk");
const { createFincodeRequestFetch } = sdk;

async function call(method, path, body, query) {
  const send = createFincodeRequestFetch(
    fincode.config, method, path, body === undefined ? undefined : JSON.stringify(body), undefined, query,
  );
  const response = await send();
  return { status: response.status, body: await response.json() };
}

async function ok(method, path, body, query) {
  const answer = await call(method, path, body, query);
  assert.strictEqual(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
}

async function main() {
  const customer = await fincode.customers.create({ name: "Hanako Suzuki", email: "hanako@example.com" });
  const invoice = await ok("POST", "/v1/invoices", {
    customer_id: customer.id,
    invoice_number: "SDK-1",
    due_date: "2099/12/31",
    pay_types: ["Virtualaccount", "Card"],
    lines: [
      { date: "2026/12/01", name: "Consulting", unit_price: 10000, quantity: 2, tax_rate: 10 },
      { name: "Books", unit_price: 1000, quantity: 1, tax_rate: 8 },
    ],
  });
  step("draft", { status: invoice.status, total_amount: invoice.total_amount, lines: invoice.lines.length });
  const updated = await ok("PUT", `/v1/invoices/${invoice.id}`, { memo: "Thank you" });
  assert.strictEqual(updated.memo, "Thank you");
  const opened = await ok("PUT", `/v1/invoices/${invoice.id}/open`, {});
  step("open", {
    status: opened.status,
    account: /^[0-9]{7}$/.test(opened.embedded_virtual_account.account_number),
    url: opened.invoice_url.includes("/invoices/"),
  });
  const page = await realFetch(opened.invoice_url.replace(/^https?:\/\/[^/]+/, BASE));
  assert.strictEqual(page.status, 200);
  const transfer = await realFetch(`${BASE}/simulators/bank/v1/transfers`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ account_number: opened.embedded_virtual_account.account_number, amount: opened.total_amount }),
  });
  assert.strictEqual(transfer.status, 200);
  let paid;
  for (let i = 0; i < 50; i += 1) {
    await realFetch(opened.invoice_url.replace(/^https?:\/\/[^/]+/, BASE)); // the page settles a paid invoice
    paid = await ok("GET", `/v1/invoices/${invoice.id}`);
    if (paid.status === "PAID") break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  step("paid", { status: paid.status, transaction_date: Boolean(paid.transaction_date) });

  const other = await ok("POST", "/v1/invoices", { lines: [{ name: "Fee", unit_price: 500, quantity: 1 }] });
  await ok("PUT", `/v1/invoices/${other.id}/open`, {});
  const marked = await ok("PUT", `/v1/invoices/${other.id}/paid_externally`, { transaction_date: "2026/12/05" });
  step("external", { status: marked.status, is_paid_externally: marked.is_paid_externally });
  const third = await ok("POST", "/v1/invoices", { lines: [{ name: "Fee", unit_price: 700, quantity: 1 }] });
  await ok("PUT", `/v1/invoices/${third.id}/open`, {});
  const refreshed = await ok("PUT", `/v1/invoices/${third.id}/virtual_account/refresh`);
  assert.ok(refreshed.embedded_virtual_account.account_number);
  const canceled = await ok("PUT", `/v1/invoices/${third.id}/cancel`);
  const deleted = await ok("DELETE", `/v1/invoices/${third.id}`);
  step("cancel", { status: canceled.status, delete_flag: deleted.delete_flag });
  const listed = await ok("GET", "/v1/invoices", undefined, { status: "PAID" });
  step("list", { count: listed.list.length });
  const missing = await call("GET", "/v1/invoices/iv_nosuchinvoice");
  step("errors", { status: missing.status, code: missing.body.errors[0].error_code });
  step("done", {});
}

main().catch((error) => {
  process.stderr.write(`CONTRACT FAILURE: ${error && (error.stack || JSON.stringify(error))}\n`);
  process.exit(1);
});
