// Contract test: fincode's Node SDK (@fincode/node, unchanged) drives plans and subscriptions
// against this product, in two phases around a billing run that the pytest side makes (the SDK
// has no call that bills): "subscribe", then "results <subscription id> <other plan id>".
// The SDK is set up by sdk.js.
//
// Environment: PORTAL_URL, SECRET_KEY, PUBLIC_KEY. One JSON line per step; non-zero exit on failure.
"use strict";

const assert = require("assert");
const { fincode, step, cardToken, expectApiError } = require("./sdk");

function ymd(date, sep) {
  const pad = (n) => String(n).padStart(2, "0");
  return [date.getUTCFullYear(), pad(date.getUTCMonth() + 1), pad(date.getUTCDate())].join(sep);
}

function todayInJapan() {
  return new Date(Date.now() + 9 * 3600 * 1000);
}

// Phase "subscribe": plans, a customer with a card, a subscription starting today (Japan).
async function subscribe() {
  const plan = await fincode.plans.create({
    plan_name: "Coffee every month", description: "1 kg", amount: "3000", tax: "300",
    interval_pattern: "month", interval_count: "1",
  });
  assert.strictEqual(plan.total_amount, 3300);
  assert.strictEqual(plan.used_flag, "0");
  const pricier = await fincode.plans.create({ plan_name: "Coffee, more", amount: "4000" });
  const updated = await fincode.plans.update(pricier.id, { plan_name: "Coffee, 2 kg", tax: "400" });
  assert.strictEqual(updated.total_amount, 4400);
  const plans = await fincode.plans.retrieveList({ interval_pattern: "month" });
  assert.deepStrictEqual(plans.list.map((p) => p.id).sort(), [plan.id, pricier.id].sort());
  step("plans", { id: plan.id, total_amount: plan.total_amount });

  const customer = await fincode.customers.create({ name: "Taro Yamada", email: "taro@example.com" });
  const card = await fincode.cards.create(customer.id, { token: await cardToken("4111111111111111"), default_flag: "1" });
  const start = ymd(todayInJapan(), "/");
  const subscription = await fincode.subscriptions.create({
    pay_type: "Card", plan_id: plan.id, customer_id: customer.id, card_id: card.id, start_date: start,
    initial_amount: "1000", client_field_1: "order-42",
  });
  assert.strictEqual(subscription.status, "ACTIVE");
  assert.strictEqual(subscription.next_charge_date, `${start} 00:00:00.000`);
  assert.strictEqual(subscription.initial_total_amount, 1000);
  const found = await fincode.subscriptions.retrieve(subscription.id, { pay_type: "Card" });
  assert.strictEqual(found.card_id, card.id);
  const listed = await fincode.subscriptions.retrieveList({ pay_type: "Card", customer_id: customer.id });
  assert.deepStrictEqual(listed.list.map((s) => s.id), [subscription.id]);
  const changed = await fincode.subscriptions.update(subscription.id, {
    pay_type: "Card", client_field_2: "gift", stop_date: ymd(new Date(Date.now() + 400 * 86400 * 1000), "/"),
  });
  assert.strictEqual(changed.client_field_2, "gift");
  await expectApiError(
    fincode.subscriptions.create({ pay_type: "Card", plan_id: "no-such-plan", customer_id: customer.id, start_date: start }),
    404, "E1700000001",
  );
  await expectApiError(fincode.plans.delete(plan.id), 409, "E1700000003");
  step("subscribed", { id: subscription.id, plan_id: plan.id, pricier_id: pricier.id, start });
}

// Phase "results" (after a billing run): the charge, a plan change from the next period, cancel.
async function results(id, pricierId) {
  const charged = await fincode.subscriptions.retrieveResultList(id, { pay_type: "Card" });
  assert.strictEqual(charged.total_count, 1);
  const result = charged.list[0];
  assert.strictEqual(result.status, "SUCCEEDED");
  assert.strictEqual(result.total_amount, 1000);
  assert.ok(result.card_no.endsWith("1111"));
  const payment = await fincode.payments.retrieve(result.order_id || "", { pay_type: "Card" }).catch(() => null);
  step("charged", { status: result.status, total_amount: result.total_amount, access_id: result.access_id,
    captured: payment ? payment.status : null });
  const moved = await fincode.subscriptions.update(id, { pay_type: "Card", plan_id: pricierId });
  assert.strictEqual(moved.total_amount, 4400);
  const canceled = await fincode.subscriptions.cancel(id, { pay_type: "Card" });
  assert.strictEqual(canceled.status, "CANCELED");
  assert.strictEqual(canceled.next_charge_date, null);
  await expectApiError(fincode.subscriptions.cancel(id, { pay_type: "Card" }), 409, "E1700000006");
  step("canceled", { status: canceled.status });
}

const [phase, ...args] = process.argv.slice(2);
(phase === "results" ? results(...args) : subscribe()).then(
  () => step("done", {}),
  (error) => {
    process.stderr.write(String((error && error.stack) || error) + "\n");
    if (error && error.errors) process.stderr.write(JSON.stringify(error.errors) + "\n");
    process.exit(1);
  },
);
