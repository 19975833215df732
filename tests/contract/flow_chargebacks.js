// Contract test: fincode's Node SDK (@fincode/node, unchanged) reads chargebacks. The SDK has no
// chargebacks module, so GET /v1/shop_charge_backs goes through its exported
// createFincodeRequestFetch (its auth, Tenant-Shop-Id header and query string).
//   "pay"                  — with the tenant's key: a captured card payment (its order id)
//   "list <tenant> <order>" — with the platform's key, acting for the tenant: list, filter, count
//
// Environment: PORTAL_URL, SECRET_KEY, PUBLIC_KEY. One JSON line per step; non-zero exit on failure.
"use strict";

const assert = require("assert");
const { sdk, fincode, step, cardToken } = require("./sdk");

async function pay() {
  const payment = await fincode.payments.create({ pay_type: "Card", job_code: "CAPTURE", amount: "4000" });
  const executed = await fincode.payments.execute(payment.id, {
    pay_type: "Card", access_id: payment.access_id, token: await cardToken("4111111111111111"), method: "1",
  });
  assert.strictEqual(executed.status, "CAPTURED");
  step("paid", { order_id: payment.id });
}

async function chargebacks(tenantShopId, query) {
  const response = await sdk.createFincodeRequestFetch(
    fincode.config, "GET", "/v1/shop_charge_backs", undefined, { tenantShopId }, query,
  )();
  return { status: response.status, body: await response.json() };
}

async function list(tenantShopId, orderId) {
  const all = await chargebacks(tenantShopId, {});
  assert.strictEqual(all.status, 200, JSON.stringify(all.body));
  assert.strictEqual(all.body.list.length, 1);
  const item = all.body.list[0];
  assert.strictEqual(item.order_id, orderId);
  assert.strictEqual(item.shop_id, tenantShopId);
  step("listed", { item, total_count: all.body.total_count });

  const filtered = await chargebacks(tenantShopId, { status_code: "4005,4006", order_id: orderId, sort: "id desc" });
  assert.strictEqual(filtered.body.list.length, 1);
  const none = await chargebacks(tenantShopId, { status_code: "4009", canceled: true });
  assert.strictEqual(none.body.list.length, 0);
  const counted = await chargebacks(tenantShopId, { count_only: true });
  assert.deepStrictEqual([counted.body.total_count, counted.body.list.length], [1, 0]);
  step("filtered", {});

  const bad = await chargebacks(tenantShopId, { status_code: "9999" });
  assert.strictEqual(bad.status, 400);
  step("refused", { error_code: bad.body.errors[0].error_code });
  const own = await chargebacks(undefined, {});
  step("own", { count: own.body.list.length });
}

(async () => {
  if (process.argv[2] === "pay") {
    await pay();
  } else {
    await list(process.argv[3], process.argv[4]);
  }
  step("done", {});
})().catch((error) => {
  console.error(error && error.errors ? JSON.stringify(error.errors) : error);
  process.exit(1);
});
