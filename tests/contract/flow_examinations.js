// Contract test: fincode's Node SDK (@fincode/node, unchanged) drives a platform's examination of
// its tenant shop: "<tenant id> <info json>" fills in, requests and reads the contract;
// "contract <tenant id>" reads it again after the operator's review (made by the pytest side).
// The SDK is set up by sdk.js; SECRET_KEY is the platform's.
//
// Environment: PORTAL_URL, SECRET_KEY, PUBLIC_KEY. One JSON line per step; non-zero exit on failure.
"use strict";

const assert = require("assert");
const { fincode, step, expectApiError } = require("./sdk");

async function examine(tenantId, info) {
  const empty = await fincode.tenants.retrieveExaminationInfoV2(tenantId);
  assert.strictEqual(empty.status_code, "101");
  const updated = await fincode.tenants.updateExaminationInfoV2(tenantId, info);
  assert.strictEqual(updated.contract_info.corporate_info.corporate_name, info.contract_info.corporate_info.corporate_name);
  const again = await fincode.tenants.retrieveExaminationInfoV2(tenantId);
  assert.deepStrictEqual(again.shop_info, info.shop_info);
  step("v2", { status_code: again.status_code });

  const old = await fincode.tenants.updateExaminationInfo(tenantId, {
    update_contract_detail: true,
    contract_detail: { staff2_last_name: "佐藤", platform_name: "Mall" },
  });
  assert.strictEqual(old.contract_detail.staff2_last_name, "佐藤");
  const oldRead = await fincode.tenants.retrieveExaminationInfo(tenantId);
  assert.strictEqual(oldRead.contract_detail.platform_name, "Mall");
  assert.strictEqual(oldRead.contract_detail.corporate_name, info.contract_info.corporate_info.corporate_name);
  assert.strictEqual(oldRead.shop_id, tenantId);
  step("v1", { input_status: oldRead.contract_input_status.status_code });

  await expectApiError(
    fincode.tenants.updateExaminationInfoV2(tenantId, { contract_info: { representative_gender: 5 } }),
    400, "E2400010006",
  );
  const requested = await fincode.tenants.requestExamination(
    { shop_id: tenantId, enable_immediate_use: false }, { tenantShopId: tenantId },
  );
  assert.strictEqual(requested.shop_id, tenantId);
  step("requested", { status_code: requested.status_code });
  await expectApiError(fincode.tenants.updateExaminationInfoV2(tenantId, { shop_info: { shop_name: "late" } }), 409, "E2400000102");
  // the SDK names the tenant in Tenant-Shop-Id too: the key layer answers that it has no such tenant
  await expectApiError(fincode.tenants.retrieveContract("mc_NoSuchTenant000000000000"), 404, "E0100000009");
  await contract(tenantId);
}

async function contract(tenantId) {
  const found = await fincode.tenants.retrieveContract(tenantId);
  assert.strictEqual(found.shop_id, tenantId);
  assert.strictEqual(found.shop_type, "tenant");
  step("contract", {
    status_code: found.status_code,
    examination: found.examination.map((e) => [e.examination_master_id, e.status_code]),
  });
}

(async () => {
  if (process.argv[2] === "contract") {
    await contract(process.argv[3]);
  } else {
    await examine(process.argv[2], JSON.parse(process.argv[3]));
  }
  step("done", {});
})().catch((error) => {
  console.error(error && error.errors ? JSON.stringify(error.errors) : error);
  process.exit(1);
});
