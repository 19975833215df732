// Contract test: fincode's Node SDK (@fincode/node, unchanged) drives saved payment methods and
// direct debit (口座振替) against this product. The SDK is set up by sdk.js.
//
// Environment: PORTAL_URL, SECRET_KEY, PUBLIC_KEY. One JSON line per step; non-zero exit on failure.
"use strict";

const assert = require("assert");
const { BASE, realFetch, fincode, step, cardToken, expectApiError } = require("./sdk");

function ymd(date, sep) {
  const pad = (n) => String(n).padStart(2, "0");
  return [date.getUTCFullYear(), pad(date.getUTCMonth() + 1), pad(date.getUTCDate())].join(sep);
}

// The first debit day (5th, 6th, 23rd, 27th) whose request period (7 days before it) is still open
// in Japan time, with a day to spare.
function nextTarget() {
  const day = new Date(Date.now() + 9 * 3600 * 1000);
  day.setUTCDate(day.getUTCDate() + 8);
  while (![5, 6, 23, 27].includes(day.getUTCDate())) day.setUTCDate(day.getUTCDate() + 1);
  return day;
}

async function simulator(path, body) {
  const response = await realFetch(`${BASE}/simulators/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  const text = await response.text();
  assert.strictEqual(response.status, 200, text);
  return JSON.parse(text);
}

async function approveAtTheBank(redirectUrl) {
  // The buyer follows redirect_url (usable once) to the bank, and approves there.
  const hop = await realFetch(redirectUrl.replace(/^https?:\/\/[^/]+/, BASE), { redirect: "manual" });
  assert.strictEqual(hop.status, 302);
  const page = hop.headers.get("location").replace(/^https?:\/\/[^/]+/, BASE);
  const approved = await realFetch(page, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "decision=approve",
  });
  assert.strictEqual(approved.status, 200);
  const again = await realFetch(redirectUrl.replace(/^https?:\/\/[^/]+/, BASE), { redirect: "manual" });
  assert.strictEqual(again.status, 410);
}

async function waitFor(check) {
  for (let i = 0; i < 50; i += 1) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("timed out waiting");
}

async function main() {
  const customer = await fincode.customers.create({ name: "Hanako Suzuki", email: "hanako@example.com" });

  // A bank account for direct debit, applied for online and approved at the bank.
  const account = await fincode.paymentMethods.create(customer.id, {
    pay_type: "Directdebit",
    default_flag: "1",
    return_url: "https://shop.example.com/back",
    directdebit: {
      application_type: "ONLINE", bank_code: "0310", branch_code: "101", account_type: "1",
      account_number: "0999999", account_name_kana: "ｽｽﾞｷ ﾊﾅｺ",
    },
  });
  assert.strictEqual(account.status, "AWAITING_CUSTOMER_ACTION");
  assert.strictEqual(account.directdebit.account_number, "****999");
  await approveAtTheBank(account.redirect_url);
  const activated = await waitFor(async () => {
    const found = await fincode.paymentMethods.retrieve(customer.id, account.id, { pay_type: "Directdebit" });
    return found.status === "ACTIVATED" && found;
  });
  assert.strictEqual(activated.redirect_url_accessed_flag, "1");
  const list = await fincode.paymentMethods.retrieveList(customer.id, { pay_type: "Directdebit" });
  assert.deepStrictEqual(list.list.map((m) => m.id), [account.id]);
  step("account", { id: account.id, status: activated.status });

  // A debit on a target date: change, then the bank's clearing on that day withdraws it.
  const target = nextTarget();
  const payment = await fincode.payments.create({ pay_type: "Directdebit", amount: "5000", tax: "500" });
  assert.strictEqual(payment.status, "UNPROCESSED");
  const executed = await fincode.payments.execute(payment.id, {
    pay_type: "Directdebit", access_id: payment.access_id, customer_id: customer.id,
    payment_method_id: account.id, target_date: ymd(target, "/"),
  });
  assert.strictEqual(executed.status, "AWAITING_PAYMENT_APPROVAL");
  assert.strictEqual(executed.target_date, ymd(target, "/"));
  const changed = await fincode.payments.changeAmount(payment.id, {
    pay_type: "Directdebit", access_id: payment.access_id, amount: "4000", tax: "400",
  });
  assert.strictEqual(changed.total_amount, 4400);
  await simulator("directdebit/v1/clearing", { date: ymd(target, "-") });
  const withdrawn = await waitFor(async () => {
    const found = await fincode.payments.retrieve(payment.id, { pay_type: "Directdebit" });
    return found.status === "CAPTURED" && found;
  });
  assert.strictEqual(withdrawn.result_code, "0");
  assert.strictEqual(withdrawn.withdrawal_date, ymd(target, "/"));
  step("debit", { id: payment.id, status: withdrawn.status, result_code: withdrawn.result_code });

  // Another debit, canceled before its request period ends.
  const other = await fincode.payments.create({ pay_type: "Directdebit", amount: "1200" });
  await fincode.payments.execute(other.id, {
    pay_type: "Directdebit", access_id: other.access_id, customer_id: customer.id, target_date: ymd(target, "/"),
  });
  const canceled = await fincode.payments.cancel(other.id, { pay_type: "Directdebit", access_id: other.access_id });
  assert.strictEqual(canceled.status, "CANCELED");
  step("cancel", { id: other.id, status: canceled.status });

  // A card as a payment method: the saved card itself.
  const card = await fincode.paymentMethods.create(customer.id, {
    pay_type: "Card", default_flag: "1", card: { token: await cardToken("4111111111111111"), tds_type: "0" },
  });
  assert.strictEqual(card.status, "ACTIVATED");
  const cards = await fincode.cards.retrieveList(customer.id);
  assert.deepStrictEqual(cards.list.map((c) => c.id), [card.id]);
  const deleted = await fincode.paymentMethods.delete(customer.id, card.id);
  assert.strictEqual(deleted.delete_flag, "1");
  step("card", { id: card.id, status: card.status });

  // Errors in fincode's shape.
  await expectApiError(
    fincode.paymentMethods.create(customer.id, {
      pay_type: "Directdebit", default_flag: "0",
      directdebit: { application_type: "ONLINE", bank_code: "1234", branch_code: "101", account_type: "1",
                     account_number: "0999999", account_name_kana: "ｽｽﾞｷ ﾊﾅｺ" },
    }), 400, "E1800000003",
  );
  await expectApiError(
    fincode.paymentMethods.retrieve(customer.id, "pm_" + "0".repeat(22), { pay_type: "Directdebit" }), 404,
    "E1800000001",
  );
  step("errors", {});
  step("done", {});
}

main().catch((error) => {
  process.stderr.write(`CONTRACT FAILURE: ${error && (error.stack || JSON.stringify(error))}\n`);
  if (error && error.errors) process.stderr.write(JSON.stringify(error.errors) + "\n");
  process.exit(1);
});
