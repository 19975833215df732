// Condition builder for credit rules: edits the JSON of the "when" textarea as a tree.
// Features and their operators come from the registry embedded by the page.
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  ready(function () {
    var root = document.getElementById("credit-condition-builder");
    var registryNode = document.getElementById("credit-feature-registry");
    var textarea = document.querySelector("textarea.credit-when");
    if (!root || !registryNode || !textarea) { return; }
    var features = {};
    JSON.parse(registryNode.textContent).forEach(function (f) { features[f.name] = f; });
    var names = Object.keys(features).sort();
    var tree;
    try { tree = JSON.parse(textarea.value || "{}"); } catch (e) { tree = null; }
    if (!tree || typeof tree !== "object" || !Object.keys(tree).length) { tree = { all: [] }; }

    function el(tag, attrs, children) {
      var node = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (k) { if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); } });
      (children || []).forEach(function (c) { node.appendChild(c); });
      return node;
    }
    function save() { textarea.value = JSON.stringify(tree, null, 1); }
    function parseValue(feature, op, text) {
      var type = (features[feature] || {}).type;
      function one(t) {
        t = t.trim();
        if (type === "number") { return Number(t); }
        if (type === "bool") { return t === "true"; }
        return t;
      }
      if (op === "in" || op === "not_in") { return text.split(",").filter(function (t) { return t.trim() !== ""; }).map(one); }
      return one(text);
    }
    function showValue(value) { return Array.isArray(value) ? value.join(", ") : String(value); }
    function select(options, current, onchange) {
      var s = el("select");
      options.forEach(function (o) { var opt = el("option", { value: o, text: o }); if (o === current) { opt.selected = true; } s.appendChild(opt); });
      s.addEventListener("change", function () { onchange(s.value); });
      return s;
    }
    function button(label, onclick) { var b = el("button", { type: "button", text: label }); b.addEventListener("click", onclick); return b; }

    function render(node, replace) {
      var kind = node.all ? "all" : node.any ? "any" : node.not ? "not" : "leaf";
      var box = el("div", { "class": "node " + (kind === "leaf" ? "leaf" : "group") });
      if (kind === "leaf") {
        if (!features[node.feature]) { node.feature = names[0]; }
        var ops = features[node.feature].operators;
        if (ops.indexOf(node.op) < 0) { node.op = ops[0]; }
        var input = el("input", { type: "text", value: node.value === undefined ? "" : showValue(node.value), size: "24" });
        input.addEventListener("input", function () { node.value = parseValue(node.feature, node.op, input.value); save(); });
        box.appendChild(select(names, node.feature, function (v) { node.feature = v; node.value = parseValue(v, node.op, input.value); save(); redraw(); }));
        box.appendChild(select(ops, node.op, function (v) { node.op = v; node.value = parseValue(node.feature, v, input.value); save(); }));
        box.appendChild(input);
        box.appendChild(el("span", { "class": "hint", text: features[node.feature].type + " · " + features[node.feature].store }));
      } else {
        box.appendChild(select(["all", "any", "not"], kind, function (v) {
          var children = kind === "not" ? [node.not] : node[kind];
          Object.keys(node).forEach(function (k) { delete node[k]; });
          if (v === "not") { node.not = children[0] || { feature: names[0], op: "==", value: 0 }; } else { node[v] = children; }
          save(); redraw();
        }));
        var children = kind === "not" ? [node.not] : node[kind];
        children.forEach(function (child, i) {
          box.appendChild(render(child, function (replacement) {
            if (kind === "not") { node.not = replacement; } else if (replacement === null) { node[kind].splice(i, 1); } else { node[kind][i] = replacement; }
            save(); redraw();
          }));
        });
        if (kind !== "not") {
          box.appendChild(button("+ condition", function () { node[kind].push({ feature: names[0], op: "==", value: 0 }); save(); redraw(); }));
          box.appendChild(button("+ group", function () { node[kind].push({ all: [] }); save(); redraw(); }));
        }
      }
      if (replace) { box.appendChild(button("remove", function () { replace(null); })); }
      return box;
    }
    function redraw() { root.innerHTML = ""; root.appendChild(render(tree, null)); }
    textarea.addEventListener("change", function () {
      try { tree = JSON.parse(textarea.value); redraw(); } catch (e) { /* the server validates on save */ }
    });
    save(); redraw();
  });
})();
