// Contract test: fincode's Node SDK (@fincode/node, unchanged) drives bulk payments
// (一括決済, /v1/payments/bulk) against this product. The SDK is set up by sdk.js.
//
// Two phases, as a bulk is charged on its process plan date by Celery beat in between:
//   PHASE=upload  customers with cards, a good file (fincode's JSON) and a bad one (CSV), a
//                 third one deleted; prints the good bulk's id.
//   PHASE=results the good bulk's results after the charge (BULK_ID).
// Environment: PORTAL_URL, SECRET_KEY, PUBLIC_KEY, PHASE, BULK_ID. One JSON line per step.
"use strict";

const assert = require("assert");
const { fincode, step, cardToken, expectApiError } = require("./sdk");

// Today in Japan, as fincode writes days.
function today() {
  const day = new Date(Date.now() + 9 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${day.getUTCFullYear()}/${pad(day.getUTCMonth() + 1)}/${pad(day.getUTCDate())}`;
}

async function upload() {
  const buyers = [];
  for (const cardNo of ["4111111111111111", "4000000000000002"]) {
    const customer = await fincode.customers.create({ name: "Hanako Suzuki", email: "hanako@example.com" });
    const card = await fincode.cards.create(customer.id, { token: await cardToken(cardNo), default_flag: "1" });
    buyers.push({ customer: customer.id, card: card.id });
  }
  const stamp = Date.now().toString(36);
  const json = JSON.stringify({
    data: [
      { id: `bk-${stamp}-1`, amount: "1000", tax: "100", customer_id: buyers[0].customer, card_id: buyers[0].card, client_field_1: "自由項目1" },
      { id: `bk-${stamp}-2`, amount: "2000", customer_id: buyers[1].customer },
      { id: `bk-${stamp}-3`, amount: "3000", customer_id: buyers[0].customer },
    ],
  });
  const bulk = await fincode.paymentBulks.create(
    { pay_type: "Card", process_plan_date: today() },
    { file: Buffer.from(json), fileName: "payments.json" },
  );
  assert.strictEqual(bulk.status, "CHECKED");
  assert.strictEqual(bulk.total_count, 3);
  assert.strictEqual(bulk.id.length, 25);
  const again = await fincode.paymentBulks.create(
    { pay_type: "Card", process_plan_date: today() },
    { file: Buffer.from(json), fileName: "again.json" },
  );
  assert.strictEqual(again.id, bulk.id); // the same file: the same bulk
  step("upload", { id: bulk.id, status: bulk.status, total_count: bulk.total_count });

  const csv = `id,amount,customer_id\nbad-${stamp}-1,abc,${buyers[0].customer}\nbad-${stamp}-2,100,nobody\n`;
  const bad = await fincode.paymentBulks.create(
    { pay_type: "Card", process_plan_date: today() },
    { file: Buffer.from(csv), fileName: "payments.csv" },
  );
  const report = await fincode.paymentBulks.retrieveDetailList(bad.id, { pay_type: "Card" });
  step("bad", {
    status: bad.status,
    lines: report.error_detail.map((line) => [line.number, line.errors.map((e) => e.error_code)]),
  });
  await expectApiError(fincode.paymentBulks.delete(bad.id), 409, "E2100000002");

  const doomed = await fincode.paymentBulks.create(
    { pay_type: "Card", process_plan_date: today() },
    { file: Buffer.from(`id,amount,customer_id\ngone-${stamp},100,${buyers[0].customer}\n`), fileName: "gone.csv" },
  );
  const deleted = await fincode.paymentBulks.delete(doomed.id);
  step("delete", deleted);

  const listed = await fincode.paymentBulks.retrieveList({ pay_type: "Card", status: "CHECKED", delete_flag: "0" });
  step("list", { ids: listed.list.map((b) => b.id), total_count: listed.total_count });
  const details = await fincode.paymentBulks.retrieveDetailList(bulk.id, { pay_type: "Card", limit: 10 });
  step("details", { statuses: details.list.map((d) => [d.order_id.split("-").pop(), d.status]) });
  await expectApiError(fincode.paymentBulks.retrieveDetailList("bp_nosuchbulk0000000000000", { pay_type: "Card" }), 404, "E2100000001");
  await expectApiError(
    fincode.paymentBulks.create(
      { pay_type: "Card", process_plan_date: "2000/01/01" },
      { file: Buffer.from(`id,amount,customer_id\npast-${stamp},100,${buyers[0].customer}\n`) },
    ),
    400,
    "E2100000006",
  );
  step("errors", {});
  step("done", {});
}

async function results() {
  const id = process.env.BULK_ID;
  const listed = await fincode.paymentBulks.retrieveList({ pay_type: "Card", status: "COMPLETED" });
  const bulk = listed.list.find((b) => b.id === id);
  step("completed", {
    status: bulk.status,
    succeeded: bulk.process_success_count,
    failed: bulk.process_failure_count,
    started: Boolean(bulk.process_start_date),
    ended: Boolean(bulk.process_end_date),
  });
  const details = await fincode.paymentBulks.retrieveDetailList(id, { pay_type: "Card" });
  step("results", {
    lines: details.list.map((d) => [d.order_id.split("-").pop(), d.status, d.total_amount, Boolean(d.access_id)]),
  });
  const failed = await fincode.paymentBulks.retrieveDetailList(id, { pay_type: "Card", status: "FAILED" });
  step("failed", { count: failed.list.length, error_code: failed.list[0].error_code });
  await expectApiError(fincode.paymentBulks.delete(id), 409, "E2100000002");
  step("done", {});
}

(process.env.PHASE === "results" ? results() : upload()).catch((error) => {
  process.stderr.write(`CONTRACT FAILURE: ${error && (error.stack || JSON.stringify(error))}\n`);
  if (error && error.errors) process.stderr.write(JSON.stringify(error.errors) + "\n");
  process.exit(1);
});
