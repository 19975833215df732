// Contract test: fincode's Node SDK (@fincode/node, unchanged) drives a platform shop: its own
// shop and fees, a tenant with a new user and one with an existing user, the tenant list, a
// tenant's fees, and the errors a wrong tenant gets.
// Arguments: <platform id> <tenant_url_id> <existing user's e-mail> <password>.
// The SDK is set up by sdk.js; SECRET_KEY is the platform's.
//
// Environment: PORTAL_URL, SECRET_KEY, PUBLIC_KEY. One JSON line per step; non-zero exit on failure.
"use strict";

const assert = require("assert");
const { fincode, step, expectApiError } = require("./sdk");

async function run(platformId, tenantUrlId, email, password) {
  const platforms = await fincode.platforms.retrieveList({});
  assert.deepStrictEqual(platforms.list.map((shop) => shop.id), [platformId]);
  const own = await fincode.platforms.retrieve(platformId);
  assert.strictEqual(own.shop_type, "platform");
  const fees = await fincode.platforms.update(platformId, { examination_master_id: "vm", platform_rate: "2.5" });
  const vm = fees.platform_rate_list.find((rate) => rate.id === "vm");
  assert.strictEqual(vm.platform_rate, 2.5);
  step("platform", { shop_type: own.shop_type, vm_rate: vm.platform_rate });

  const entry = await fincode.tenants.createWithNewUser({
    tenant_url_id: tenantUrlId, email: "new-owner@tenant.example", name: "SDK tenant", password,
  });
  assert.strictEqual(entry.access_token.length, 112);
  const newTenant = entry.user_data.default_shop_id;
  const joined = await fincode.tenants.createWithExistingUser({ tenant_url_id: tenantUrlId, email, password });
  step("tenants", { new_tenant: newTenant, joined: joined.id, authorities: entry.authorities.length });

  const list = await fincode.tenants.retrieveList({ sort: "created asc" });
  assert.deepStrictEqual(list.list.map((shop) => shop.id), [newTenant, joined.id]);
  const tenant = await fincode.tenants.retrieve(newTenant);
  assert.strictEqual(tenant.shop_type, "tenant");
  assert.strictEqual(tenant.platform_id, platformId);
  const updated = await fincode.tenants.update(newTenant, {
    examination_master_id: "vm", platform_rate: "3", fixed_fee: "10",
  });
  const rate = updated.platform_rate_list.find((r) => r.id === "vm");
  step("tenant", { total: list.total_count, rate: rate.platform_rate, fixed_fee: rate.fixed_fee });

  await expectApiError(fincode.tenants.retrieve("mc_NoSuchTenant000000000000"), 404, "E2300000001");
  await expectApiError(
    fincode.payments.retrieveList({ pay_type: "Card" }, { tenantShopId: "mc_NoSuchTenant000000000000" }),
    404, "E0100000009",
  );
  await expectApiError(
    fincode.tenants.createWithExistingUser({ tenant_url_id: tenantUrlId, email, password: "wrong password" }),
    401, "E2300000003",
  );
  step("errors", {});
}

(async () => {
  await run(...process.argv.slice(2));
  step("done", {});
})().catch((error) => {
  console.error(error && error.errors ? JSON.stringify(error.errors) : error);
  process.exit(1);
});
