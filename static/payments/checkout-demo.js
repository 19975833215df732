// The test checkout page: tokenise the card with the public key and show the token.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("checkout");
  var out = document.getElementById("checkout-result");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = Object.fromEntries(new FormData(form).entries());
    out.hidden = false;
    out.className = "notice";
    out.textContent = "Tokenising…";
    window.MerchantPortal.tokenizeCard(form.dataset.publicKey, data, { endpoint: form.dataset.endpoint })
      .then(function (result) {
        out.className = "notice success";
        out.innerHTML = "";
        var lines = [
          "Token: " + result.token,
          "Card: " + result.brand + " " + result.card_no + " (exp. " + result.expire + ")",
          "Valid until: " + result.expire_at,
          "Now execute on your server: PUT /v1/payments/{id} with {\"pay_type\": \"Card\", \"access_id\": …, \"token\": \"" + result.token + "\"}",
        ];
        lines.forEach(function (line) { var p = document.createElement("p"); p.textContent = line; out.appendChild(p); });
        out.dataset.token = result.token;
      })
      .catch(function (error) {
        out.className = "notice error";
        out.textContent = error.message;
      });
  });
});
