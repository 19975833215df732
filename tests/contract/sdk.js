// Shared by the flow scripts: fincode's Node SDK (@fincode/node, unchanged) pointed at this
// product. The SDK's fixed hosts are redirected by wrapping node-fetch before the SDK loads.
//
// Environment: PORTAL_URL, SECRET_KEY, PUBLIC_KEY.
"use strict";

const assert = require("assert");
const realFetch = require("node-fetch");

const BASE = process.env.PORTAL_URL.replace(/\/$/, "");
const SECRET_KEY = process.env.SECRET_KEY;
const PUBLIC_KEY = process.env.PUBLIC_KEY;

function redirectingFetch(url, options) {
  return realFetch(String(url).replace(/^https:\/\/api(\.test)?\.fincode\.jp/, BASE), options);
}
Object.assign(redirectingFetch, realFetch);
redirectingFetch.default = redirectingFetch;
Object.defineProperty(redirectingFetch, "__esModule", { value: true });
require.cache[require.resolve("node-fetch")].exports = redirectingFetch;

const sdk = require("@fincode/node");
const fincode = sdk.createFincode({ apiKey: SECRET_KEY, isLiveMode: false, options: { timeout: 20000 } });

// One JSON line per step, read by the pytest side.
function step(name, detail) {
  process.stdout.write(JSON.stringify({ step: name, ...detail }) + "\n");
}

async function cardToken(cardNo) {
  const response = await realFetch(`${BASE}/v1/tokens/cards`, {
    method: "POST",
    headers: { Authorization: `Bearer ${PUBLIC_KEY}`, "Content-Type": "application/json" },
    body: JSON.stringify({ card_no: cardNo, expire: "3012", holder_name: "TARO YAMADA", security_code: "123" }),
  });
  assert.strictEqual(response.status, 200);
  return (await response.json()).token;
}

async function expectApiError(promise, status, code) {
  try {
    await promise;
  } catch (error) {
    assert.strictEqual(error.name, "FincodeAPIError", String(error && error.message));
    assert.strictEqual(error.status, status, JSON.stringify(error.errors));
    assert.strictEqual(error.errors[0].error_code, code, JSON.stringify(error.errors));
    return error;
  }
  throw new Error(`expected ${status} ${code}`);
}

module.exports = { BASE, SECRET_KEY, PUBLIC_KEY, realFetch, sdk, fincode, step, cardToken, expectApiError };
