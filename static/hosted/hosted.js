// The hosted payment and card-registration pages: choose a pay type, tokenise the card with this
// product (the card fields have no name: they are never posted), then submit the token once.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.getElementById("pay");
  if (!form) return;
  var button = document.getElementById("pay-button");
  var errorBox = document.getElementById("card-error");

  function chosen() {
    var radio = form.querySelector("input[name=pay_type]:checked") || form.querySelector("input[name=pay_type]");
    return radio ? radio.value : "Card";
  }
  function show() {
    var current = chosen();
    form.querySelectorAll(".method").forEach(function (section) {
      section.hidden = section.dataset.payType !== current;
    });
  }
  form.querySelectorAll("input[type=radio][name=pay_type]").forEach(function (radio) {
    radio.addEventListener("change", show);
  });
  show();

  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    button.disabled = false;
  }

  form.addEventListener("submit", function (event) {
    if (button.disabled) { event.preventDefault(); return; }  // no double submit
    var width = document.getElementById("win_width");
    if (width) {
      width.value = String(window.innerWidth);
      document.getElementById("win_height").value = String(window.innerHeight);
    }
    if (chosen() !== "Card") { button.disabled = true; return; }
    event.preventDefault();
    button.disabled = true;
    errorBox.hidden = true;
    var card = {
      card_no: document.getElementById("card_no").value,
      expire: document.getElementById("card_expire").value,
      holder_name: document.getElementById("holder_name").value,
      security_code: document.getElementById("security_code").value,
    };
    window.MerchantPortal.tokenizeCard("hosted-page", card, { endpoint: form.dataset.tokenUrl })
      .then(function (result) {
        document.getElementById("token").value = result.token;
        form.submit();
      })
      .catch(function (error) { fail(error.message || "カード情報をご確認ください。"); });
  });
});
