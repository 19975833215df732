// Contract test: fincode's Node SDK (@fincode/node, unchanged) makes hosted pages (fincode's
// redirect-type payment and card registration) on this product; a buyer (plain HTTP here, the
// browser tests use Chromium) pays and saves a card on them. The SDK is set up by sdk.js.
//
// Environment: PORTAL_URL, SECRET_KEY. One JSON line per step; non-zero exit on failure.
"use strict";

const assert = require("assert");
const { BASE, realFetch, fincode, step } = require("./sdk");

function jst(offsetMs) {
  const date = new Date(Date.now() + offsetMs + 9 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

function local(url) {
  return url.replace(/^https?:\/\/[^/]+/, BASE);
}

function hiddenFields(html) {
  const fields = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    fields[match[1]] = match[2];
  }
  return fields;
}

// A buyer at the page: opens it (CSRF cookie and token), tokenises the card with the page's own
// endpoint, and submits the token. Answers the page the buyer lands on.
async function buyerPays(linkUrl, fields) {
  const page = await realFetch(local(linkUrl));
  assert.strictEqual(page.status, 200);
  const html = await page.text();
  const cookie = (page.headers.raw()["set-cookie"] || []).map((c) => c.split(";")[0]).join("; ");
  const csrf = html.match(/name="csrfmiddlewaretoken" value="([^"]+)"/)[1];
  const tokenAnswer = await realFetch(local(linkUrl) + "token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ card_no: "4111111111111111", expire: "3012", holder_name: "TARO YAMADA", security_code: "123" }),
  });
  assert.strictEqual(tokenAnswer.status, 200);
  const { token } = await tokenAnswer.json();
  const body = new URLSearchParams({ csrfmiddlewaretoken: csrf, token, ...fields });
  const done = await realFetch(local(linkUrl), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
    body: body.toString(),
    redirect: "manual",
  });
  return { status: done.status, html: await done.text() };
}

async function expectApiError(promise, status, code) {
  try {
    await promise;
  } catch (error) {
    assert.strictEqual(error.name, "FincodeAPIError", String(error && error.message));
    assert.strictEqual(error.status, status, JSON.stringify(error.errors));
    assert.strictEqual(error.errors[0].error_code.slice(0, code.length), code, JSON.stringify(error.errors));
    return error;
  }
  throw new Error(`expected ${status} ${code}`);
}

async function main() {
  // A payment page for card and konbini, paid by card on the page.
  const session = await fincode.paymentSessions.create({
    success_url: "https://shop.example.com/success",
    cancel_url: "https://shop.example.com/cancel",
    expire: jst(3600 * 1000),
    shop_service_name: "SDK Shop",
    transaction: { pay_type: ["Card", "Konbini"], amount: "2500", tax: "250", client_field_1: "cart-9" },
    card: { job_code: "CAPTURE", tds_type: "0" },
    konbini: { payment_term_day: "3", konbini_reception_mail_send_flag: "0" },
  });
  assert.match(session.id, /^ps_[A-Za-z0-9]{22}$/);
  assert.strictEqual(session.status, "CREATE");
  assert.deepStrictEqual(session.transaction.pay_type, ["Card", "Konbini"]);
  assert.strictEqual(session.transaction.amount, 2500);
  assert.strictEqual(session.konbini.payment_term_day, 3);
  assert.strictEqual(session.card.job_code, "CAPTURE");
  const paid = await buyerPays(session.link_url, { pay_type: "Card" });
  assert.strictEqual(paid.status, 200);
  assert.ok(paid.html.includes('action="https://shop.example.com/success"'), paid.html);
  assert.strictEqual(hiddenFields(paid.html).status, "CAPTURED");
  const payment = await fincode.payments.retrieve(session.transaction.order_id, { pay_type: "Card" });
  assert.strictEqual(payment.status, "CAPTURED");
  assert.strictEqual(payment.total_amount, 2750);
  assert.strictEqual(payment.client_field_1, "cart-9");
  step("payment", { id: session.id, order_id: payment.id, status: payment.status });

  // A card-registration page: the card is the customer's afterwards.
  const cardSession = await fincode.cardRegistrationSessions.create({
    success_url: "https://shop.example.com/registered",
    customer_id: "sdk-customer-1",
    customer_name: "買物 太郎",
  });
  assert.match(cardSession.id, /^cs_[A-Za-z0-9]{22}$/);
  assert.strictEqual(cardSession.customer_id, "sdk-customer-1");
  const registered = await buyerPays(cardSession.link_url, {});
  assert.strictEqual(registered.status, 200);
  assert.ok(registered.html.includes('action="https://shop.example.com/registered"'), registered.html);
  const cards = await fincode.cards.retrieveList("sdk-customer-1");
  assert.deepStrictEqual(cards.list.map((c) => c.id), [hiddenFields(registered.html).card_id]);
  step("card", { id: cardSession.id, card_id: cards.list[0].id });

  // Errors in fincode's shape.
  await expectApiError(
    fincode.paymentSessions.create({ transaction: { amount: "100" }, expire: jst(-3600 * 1000) }), 400, "E1900000002",
  );
  await expectApiError(
    fincode.paymentSessions.create({ transaction: { amount: "100" }, success_url: "javascript:alert(1)" }), 400, "E19",
  );
  await expectApiError(
    fincode.cardRegistrationSessions.create({ customer_id: "not valid!" }), 400, "E19",
  );
  const expired = await fincode.cardRegistrationSessions.create({ expire: jst(2000) });
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.strictEqual((await realFetch(local(expired.link_url))).status, 410);
  step("errors", {});
  step("done", {});
}

main().catch((error) => {
  process.stderr.write(`CONTRACT FAILURE: ${error && (error.stack || JSON.stringify(error))}\n`);
  if (error && error.errors) process.stderr.write(JSON.stringify(error.errors) + "\n");
  process.exit(1);
});
