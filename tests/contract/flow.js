// Contract test: fincode's official Node.js SDK (@fincode/node, unchanged) against this product.
//
// The SDK has fixed hosts (api.fincode.jp / api.test.fincode.jp). We redirect them by
// wrapping node-fetch in the module cache *before* the SDK loads; the SDK itself is untouched.
//
// Environment: PORTAL_URL (e.g. http://127.0.0.1:8000), SECRET_KEY (m_test_…), PUBLIC_KEY (p_test_…).
// Prints one JSON line per step; exits non-zero on the first failure.
"use strict";

const assert = require("assert");
const realFetch = require("node-fetch");

const BASE = process.env.PORTAL_URL.replace(/\/$/, "");
const SECRET_KEY = process.env.SECRET_KEY;
const PUBLIC_KEY = process.env.PUBLIC_KEY;
const requests = [];

function redirectingFetch(url, options) {
  const target = String(url).replace(/^https:\/\/api(\.test)?\.fincode\.jp/, BASE);
  requests.push(`${options && options.method} ${target.replace(BASE, "")}`);
  return realFetch(target, options);
}
Object.assign(redirectingFetch, realFetch);
redirectingFetch.default = redirectingFetch;
Object.defineProperty(redirectingFetch, "__esModule", { value: true });
require.cache[require.resolve("node-fetch")].exports = redirectingFetch;

const { createFincode } = require("@fincode/node");
const fincode = createFincode({ apiKey: SECRET_KEY, isLiveMode: false, options: { timeout: 20000 } });

function step(name, detail) {
  process.stdout.write(JSON.stringify({ step: name, ...detail }) + "\n");
}

async function cardToken(cardNo) {
  // fincode tokenises in the browser with its script; here the product's public-key endpoint does it.
  const response = await realFetch(`${BASE}/v1/tokens/cards`, {
    method: "POST",
    headers: { Authorization: `Bearer ${PUBLIC_KEY}`, "Content-Type": "application/json" },
    body: JSON.stringify({ card_no: cardNo, expire: "3012", holder_name: "TARO YAMADA", security_code: "123" }),
  });
  const body = await response.json();
  assert.strictEqual(response.status, 200, JSON.stringify(body));
  assert.strictEqual(body.card_no, "*".repeat(cardNo.length - 4) + cardNo.slice(-4));
  return body.token;
}

async function walletToken(payType, shopId, cardNo) {
  // What the buyer's device gives the merchant's page; in test mode the product makes it
  // (docs/wallets.md). fincode takes Base64: Apple Pay's payment data comes so; the page
  // encodes Google Pay's token JSON (paymentMethodData.tokenizationData.token).
  const response = await realFetch(`${BASE}/simulators/wallet-tokens/${payType}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ shop_id: shopId, card_no: cardNo, expire: "3012" }),
  });
  const body = await response.json();
  assert.strictEqual(response.status, 200, JSON.stringify(body));
  assert.strictEqual(body.pay_type, payType);
  return payType === "Googlepay" ? Buffer.from(body.token).toString("base64") : body.token;
}

async function formFields(url, options) {
  const response = await realFetch(url, options);
  const html = await response.text();
  const fields = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[match[1]] = match[2];
  return fields;
}

async function expectApiError(promise, status, code) {
  try {
    await promise;
  } catch (error) {
    assert.strictEqual(error.name, "FincodeAPIError", String(error && error.message));
    assert.strictEqual(error.status, status, JSON.stringify(error.errors));
    assert.strictEqual(error.errors[0].error_code, code, JSON.stringify(error.errors));
    assert.strictEqual(error.exceeded, false);
    return error;
  }
  throw new Error(`expected ${status} ${code}`);
}

// The SDK (1.1.0) has no methods of its own for the wallets: its payment methods take any
// pay_type (its types list Applepay, not Googlepay; this script is plain JavaScript).
async function applePay() {
  const payment = await fincode.payments.create({ pay_type: "Applepay", job_code: "AUTH", amount: "1500", tax: "120" });
  assert.strictEqual(payment.status, "UNPROCESSED");
  assert.strictEqual(payment.total_amount, 1620);
  const token = await walletToken("Applepay", payment.shop_id, "4111111111111111");
  const executed = await fincode.payments.execute(payment.id, { pay_type: "Applepay", access_id: payment.access_id, token });
  assert.strictEqual(executed.status, "AUTHORIZED");
  assert.strictEqual(executed.brand, "VISA");
  assert.strictEqual(executed.card_no, "************1111");
  const captured = await fincode.payments.capture(payment.id, { pay_type: "Applepay", access_id: payment.access_id });
  assert.strictEqual(captured.status, "CAPTURED");
  const retrieved = await fincode.payments.retrieve(payment.id, { pay_type: "Applepay" });
  assert.strictEqual(retrieved.status, "CAPTURED");
  // fincode's Apple Pay has no amount change
  await expectApiError(
    fincode.payments.changeAmount(payment.id, {
      pay_type: "Applepay", access_id: payment.access_id, job_code: "CAPTURE", amount: "1000",
    }), 409, "E1000000002",
  );
  const canceled = await fincode.payments.cancel(payment.id, { pay_type: "Applepay", access_id: payment.access_id });
  assert.strictEqual(canceled.status, "CANCELED");
  // a wallet token pays once
  const second = await fincode.payments.create({ pay_type: "Applepay", job_code: "CAPTURE", amount: "800" });
  await expectApiError(
    fincode.payments.execute(second.id, { pay_type: "Applepay", access_id: second.access_id, token }), 400, "E1100000104",
  );
  const paid = await fincode.payments.execute(second.id, {
    pay_type: "Applepay", access_id: second.access_id,
    token: await walletToken("Applepay", second.shop_id, "5555555555554444"),
  });
  assert.strictEqual(paid.status, "CAPTURED");
  assert.strictEqual(paid.brand, "MASTER");
  const page = await fincode.payments.retrieveList({ pay_type: "Applepay", sort: "created desc" });
  assert.deepStrictEqual(page.list.map((p) => p.id), [second.id, payment.id]);
  step("applepay", { id: payment.id, status: canceled.status, second: paid.status });
}

async function googlePay() {
  const payment = await fincode.payments.create({ pay_type: "Googlepay", job_code: "AUTH", amount: "3000" });
  assert.strictEqual(payment.status, "UNPROCESSED");
  const executed = await fincode.payments.execute(payment.id, {
    pay_type: "Googlepay", access_id: payment.access_id, method: "1",
    token: await walletToken("Googlepay", payment.shop_id, "4111111111111111"),
  });
  assert.strictEqual(executed.status, "AUTHORIZED");
  assert.strictEqual(executed.card_no, "************1111");
  const changed = await fincode.payments.changeAmount(payment.id, {
    pay_type: "Googlepay", access_id: payment.access_id, job_code: "AUTH", amount: "2500",
  });
  assert.strictEqual(changed.amount, 2500);
  const canceled = await fincode.payments.cancel(payment.id, { pay_type: "Googlepay", access_id: payment.access_id });
  assert.strictEqual(canceled.status, "CANCELED");
  const reauthorized = await fincode.payments.reauthorize(payment.id, {
    pay_type: "Googlepay", access_id: payment.access_id, method: "1",
  });
  assert.strictEqual(reauthorized.status, "AUTHORIZED");
  const captured = await fincode.payments.capture(payment.id, { pay_type: "Googlepay", access_id: payment.access_id });
  assert.strictEqual(captured.status, "CAPTURED");
  assert.strictEqual(captured.amount, 2500);
  step("googlepay", { id: payment.id, amount: captured.amount, status: captured.status });

  // 3-D Secure 2 with a challenge, as cards
  const tds = await fincode.payments.create({ pay_type: "Googlepay", job_code: "CAPTURE", amount: "4200", tds_type: "2" });
  const started = await fincode.payments.execute(tds.id, {
    pay_type: "Googlepay", access_id: tds.access_id, method: "1",
    token: await walletToken("Googlepay", tds.shop_id, "4000000000003220"),
    tds2_ret_url: "https://shop.example.com/3ds/callback",
  });
  assert.strictEqual(started.status, "AUTHENTICATED");
  const method = await formFields(started.acs_url);
  assert.strictEqual(method.event, "ThreeDSecureMethodFinished");
  const auth = await fincode.payments.execute3DSecureAuth(tds.access_id, { param: method.param });
  assert.strictEqual(auth.tds2_trans_result, "C");
  const challenge = await formFields(auth.challenge_url);
  const answered = await formFields(auth.challenge_url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ param: challenge.param, code: "123456" }).toString(),
  });
  assert.strictEqual(answered.event, "AuthResultReady");
  const result = await fincode.payments.retrieve3DSecureAuthResult(tds.access_id);
  assert.strictEqual(result.tds2_trans_result, "Y");
  const secured = await fincode.payments.executeAfter3DSecureAuth(tds.id, { pay_type: "Googlepay", access_id: tds.access_id });
  assert.strictEqual(secured.status, "CAPTURED");
  assert.strictEqual(secured.card_no, "************3220");
  step("googlepay-3ds", { id: tds.id, result: result.tds2_trans_result, status: secured.status });
}

async function main() {
  // register → token → execute → capture
  const payment = await fincode.payments.create({ pay_type: "Card", job_code: "AUTH", amount: "1000", tax: "80" });
  assert.strictEqual(payment.status, "UNPROCESSED");
  assert.strictEqual(payment.total_amount, 1080);
  const executed = await fincode.payments.execute(payment.id, {
    pay_type: "Card", access_id: payment.access_id, token: await cardToken("4111111111111111"), method: "1",
  });
  assert.strictEqual(executed.status, "AUTHORIZED");
  assert.strictEqual(executed.brand, "VISA");
  const captured = await fincode.payments.capture(payment.id, { pay_type: "Card", access_id: payment.access_id });
  assert.strictEqual(captured.status, "CAPTURED");
  const retrieved = await fincode.payments.retrieve(payment.id, { pay_type: "Card" });
  assert.strictEqual(retrieved.status, "CAPTURED");
  step("card", { id: payment.id, status: retrieved.status });

  // an error case through the SDK's error type: capturing twice
  const twice = await expectApiError(
    fincode.payments.capture(payment.id, { pay_type: "Card", access_id: payment.access_id }), 409, "E1000000002",
  );
  step("error", { status: twice.status, code: twice.errors[0].error_code, message: twice.message });
  await expectApiError(
    fincode.payments.execute(
      (await fincode.payments.create({ pay_type: "Card", job_code: "AUTH", amount: "500" })).id,
      { pay_type: "Card", access_id: "a_wrong", token: "tk_nothing" },
    ), 400, "E1000000014",
  );

  // change, cancel, re-authorise
  const second = await fincode.payments.create({ pay_type: "Card", job_code: "AUTH", amount: "3000" });
  await fincode.payments.execute(second.id, {
    pay_type: "Card", access_id: second.access_id, token: await cardToken("5555555555554444"), method: "1",
  });
  const changed = await fincode.payments.changeAmount(second.id, {
    pay_type: "Card", access_id: second.access_id, job_code: "AUTH", amount: "2500",
  });
  assert.strictEqual(changed.amount, 2500);
  const canceled = await fincode.payments.cancel(second.id, { pay_type: "Card", access_id: second.access_id });
  assert.strictEqual(canceled.status, "CANCELED");
  const reauthorized = await fincode.payments.reauthorize(second.id, {
    pay_type: "Card", access_id: second.access_id, method: "1",
  });
  assert.strictEqual(reauthorized.status, "AUTHORIZED");
  step("change-cancel-auth", { id: second.id, amount: changed.amount, status: reauthorized.status });

  // 3-D Secure 2 with a challenge (merchant-implemented tds2_ret_url flow)
  const tds = await fincode.payments.create({ pay_type: "Card", job_code: "CAPTURE", amount: "4200", tds_type: "2" });
  const started = await fincode.payments.execute(tds.id, {
    pay_type: "Card", access_id: tds.access_id, token: await cardToken("4000000000003220"),
    tds2_ret_url: "https://shop.example.com/3ds/callback",
  });
  assert.strictEqual(started.status, "AUTHENTICATED");
  assert.ok(started.acs_url, "acs_url");
  const method = await formFields(started.acs_url);
  assert.strictEqual(method.event, "ThreeDSecureMethodFinished");
  const auth = await fincode.payments.execute3DSecureAuth(tds.access_id, { param: method.param });
  assert.strictEqual(auth.tds2_trans_result, "C");
  const challenge = await formFields(auth.challenge_url);
  const answered = await formFields(auth.challenge_url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ param: challenge.param, code: "123456" }).toString(),
  });
  assert.strictEqual(answered.event, "AuthResultReady");
  const result = await fincode.payments.retrieve3DSecureAuthResult(tds.access_id);
  assert.strictEqual(result.tds2_trans_result, "Y");
  const secured = await fincode.payments.executeAfter3DSecureAuth(tds.id, { pay_type: "Card", access_id: tds.access_id });
  assert.strictEqual(secured.status, "CAPTURED");
  step("3ds", { id: tds.id, result: result.tds2_trans_result, status: secured.status });

  // customer + saved card, used in execute
  const customer = await fincode.customers.create({ name: "山田 太郎", email: "taro@example.com" });
  const card = await fincode.cards.create(customer.id, { token: await cardToken("3530111333300000"), default_flag: "1" });
  assert.strictEqual(card.brand, "JCB");
  const cards = await fincode.cards.retrieveList(customer.id);
  assert.strictEqual(cards.list.length, 1);
  const saved = await fincode.payments.create({ pay_type: "Card", job_code: "CAPTURE", amount: "1500" });
  const paid = await fincode.payments.execute(saved.id, {
    pay_type: "Card", access_id: saved.access_id, customer_id: customer.id, card_id: card.id, method: "1",
  });
  assert.strictEqual(paid.status, "CAPTURED");
  assert.strictEqual(paid.customer_id, customer.id);
  const updated = await fincode.customers.update(customer.id, { name: "山田 花子" });
  assert.strictEqual(updated.name, "山田 花子");
  step("customer", { customer: customer.id, card: card.id, status: paid.status });

  // list, with fincode's pagination and sort
  const page = await fincode.payments.retrieveList({ pay_type: "Card", limit: 2, sort: "created desc" });
  assert.ok(page.total_count >= 5, JSON.stringify(page));
  assert.strictEqual(page.list.length, 2);
  assert.strictEqual(page.current_page, 1);
  assert.ok(page.link_next);
  step("list", { total_count: page.total_count, last_page: page.last_page });

  // idempotency: the same key twice gives the same payment
  const first = await fincode.payments.create({ pay_type: "Card", job_code: "AUTH", amount: "999" }, { idempotentKey: "sdk-key-1" });
  const again = await fincode.payments.create({ pay_type: "Card", job_code: "AUTH", amount: "999" }, { idempotentKey: "sdk-key-1" });
  assert.strictEqual(first.id, again.id);
  step("idempotency", { id: first.id });

  await applePay();
  await googlePay();

  // a declined card
  const declined = await fincode.payments.create({ pay_type: "Card", job_code: "AUTH", amount: "700" });
  await expectApiError(
    fincode.payments.execute(declined.id, {
      pay_type: "Card", access_id: declined.access_id, token: await cardToken("4000000000000002"),
    }), 402, "E1000000004",
  );
  step("done", { requests: requests.length });
}

main().catch((error) => {
  process.stderr.write(`CONTRACT FAILURE: ${error && (error.stack || JSON.stringify(error))}\n`);
  if (error && error.errors) process.stderr.write(JSON.stringify(error.errors) + "\n");
  process.exit(1);
});
