// Operators' live view of admission windows: polls the JSON endpoint every 2 s.
(function () {
  var table = document.getElementById("admission");
  var error = document.getElementById("admission-error");
  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }
  function render(data) {
    var body = table.tBodies[0];
    body.innerHTML = "";
    error.hidden = !data.error;
    error.textContent = data.error || "";
    data.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r.merchant_name + " (" + r.merchant + ")");
      cell(tr, r.mode);
      cell(tr, r.method);
      cell(tr, r.in_use + " / " + r.cap, r.in_use >= r.cap ? "full" : "");
      var bar = cell(tr, "");
      var fill = document.createElement("span");
      fill.className = "bar";
      fill.style.width = Math.min(100, Math.round((100 * r.in_use) / Math.max(1, r.cap))) + "px";
      bar.appendChild(fill);
      cell(tr, r.rate);
      cell(tr, r.admitted_last_minute);
      cell(tr, r.refused_last_minute, r.refused_last_minute ? "refused" : "");
      cell(tr, r.shadow.join(", "));
      body.appendChild(tr);
    });
  }
  function poll() {
    fetch(table.dataset.source, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(render)
      .catch(function (e) { error.hidden = false; error.textContent = String(e); });
  }
  poll();
  setInterval(poll, 2000);
})();
