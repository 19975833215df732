// Contract test: fincode's Node SDK (@fincode/node, unchanged) reads a platform's tenant's
// settlements (accounts, with Tenant-Shop-Id) and the platform's own platform-fee income.
// "<tenant id>": the statements were fixed by the pytest side before. SECRET_KEY is the platform's.
//
// Environment: PORTAL_URL, SECRET_KEY, PUBLIC_KEY. One JSON line per step; non-zero exit on failure.
"use strict";

const assert = require("assert");
const { fincode, step, expectApiError } = require("./sdk");

async function accounts(tenantId) {
  const asTenant = { tenantShopId: tenantId };
  const own = await fincode.accounts.retrieveList({ limit: 10 });
  assert.strictEqual(own.total_count, 0);
  const list = await fincode.accounts.retrieveList({ limit: 10, status: "3002" }, asTenant);
  assert.strictEqual(list.total_count, 1);
  const item = list.list[0];
  step("list", { id: item.id, total_amount: item.total_amount, deposit_amount: item.deposit_amount });
  const one = await fincode.accounts.retrieve(item.id, asTenant);
  assert.deepStrictEqual(one, item);
  step("retrieve", { shop_id: one.shop_id, platform_fee_amount: one.platform_fee_amount, status_code: one.status_code });
  const lines = await fincode.accounts.retrieveDetailList(item.id, asTenant);
  step("detail", { lines: lines.list.map((l) => [l.trade_type, l.payment_method, l.amount, l.fee_total, l.platform_fee]) });
  await expectApiError(fincode.accounts.retrieve(item.id), 404, "E2500000001");
}

async function platformAccounts() {
  const list = await fincode.platformAccounts.retrieveList();
  assert.strictEqual(list.total_count, 1);
  const item = list.list[0];
  const one = await fincode.platformAccounts.retrieve(item.id);
  assert.deepStrictEqual(one, item);
  step("platform", { platform_fee_amount: one.platform_fee_amount, deposit_amount: one.deposit_amount });
  const summary = await fincode.platformAccounts.retrieveSummaryList(item.id);
  step("summary", { rows: summary.list.map((r) => [r.tenant_shop_id, r.deposit_amount, r.tenant_account_process_id_list]) });
  await expectApiError(fincode.platformAccounts.retrieve("pfs_NoSuchIncome"), 404, "E2500000002");
}

(async () => {
  await accounts(process.argv[2]);
  await platformAccounts();
  step("done", {});
})().catch((error) => {
  console.error(error && error.errors ? JSON.stringify(error.errors) : error);
  process.exit(1);
});
