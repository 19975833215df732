/*
 * Merchant Portal card tokenizer — include on your checkout page:
 *   <script src="https://<portal>/static/payments/tokenize.js"></script>
 *   const result = await MerchantPortal.tokenizeCard("p_test_…", {card_no, expire, holder_name, security_code});
 *   // result: {token, card_no: "************1111", brand, expire, expire_at}
 * The card goes straight from the buyer's browser to the portal; send only `result.token` to your server.
 */
(function (global) {
  "use strict";
  function currentOrigin() {
    var script = document.currentScript;
    return script ? new URL(script.src).origin : global.location.origin;
  }
  var origin = currentOrigin();

  function tokenizeCard(publicKey, card, options) {
    var endpoint = (options && options.endpoint) || origin + "/v1/tokens/cards";
    var body = {
      card_no: String(card.card_no || "").replace(/[\s-]/g, ""),
      expire: String(card.expire || ""),
      holder_name: String(card.holder_name || ""),
      security_code: String(card.security_code || ""),
    };
    return fetch(endpoint, {
      method: "POST",
      headers: { "Authorization": "Bearer " + publicKey, "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          var error = new Error((data.errors && data.errors[0] && data.errors[0].error_message) || "tokenization failed");
          error.errors = data.errors || [];
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  global.MerchantPortal = { tokenizeCard: tokenizeCard };
})(window);
