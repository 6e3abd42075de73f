/* nntrace explorer: steps through the carried iterations and shows any weight's chain rule.
   Every number comes from the JSON block next to this script, computed by nntrace in Python;
   this script only looks them up and places them. No network, no ids: several explorers may
   share a page (each script wires up the block it sits in). */
(function () {
  "use strict";
  // a script inside a shadow root (an embedded lesson fragment) has no currentScript: look for
  // explorers in the document and in every open shadow root
  var script = document.currentScript;
  var roots = script ? [script.parentNode] : explorers(document);
  function explorers(scope) {
    var found = Array.prototype.slice.call(scope.querySelectorAll(".nntrace-explorer"));
    Array.prototype.forEach.call(scope.querySelectorAll("*"), function (el) {
      if (el.shadowRoot) { found = found.concat(explorers(el.shadowRoot)); }
    });
    return found;
  }
  Array.prototype.forEach.call(roots, function (root) {
    if (!root || root.getAttribute("data-nx-ready")) { return; }
    root.setAttribute("data-nx-ready", "1");
    var template = root.querySelector("template.nx-template");
    var data = JSON.parse(root.querySelector("script.nx-data").textContent);
    root.insertBefore(template.content.cloneNode(true), template);
    setup(root, data);
  });

  function all(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, key) { return key in values ? String(values[key]) : m; });
  }
  function label(data, key, values) {
    var seen = [];
    data.labels[key].forEach(function (t) { t = fill(t, values || {}); if (seen.indexOf(t) < 0) { seen.push(t); } });
    return seen.join(" / ");
  }
  function cell(tag, text) { var el = document.createElement(tag); el.textContent = text; return el; }

  function setup(root, data) {
    var box = root.querySelector(".nx");
    var select = box.querySelector("[data-nntrace-iteration]");
    var slider = box.querySelector(".nx-slider");
    var play = box.querySelector(".nx-play");
    var marker = box.querySelector(".nx-marker");
    var panel = box.querySelector("[data-nntrace-panel]");
    var store = root.querySelector("template.nx-formulas").content;
    var state = { index: data.start, weight: null, timer: null };

    function frame() { return data.frames[state.index]; }

    function show(index) {
      if (index < 0 || index >= data.its.length || isNaN(index)) { return; }
      state.index = index;
      var f = frame();
      select.value = String(data.its[index]);
      slider.value = String(index);
      box.querySelector(".nx-mean").textContent = f.mean_error;
      marker.setAttribute("cx", data.marker[index][0]);
      marker.setAttribute("cy", data.marker[index][1]);
      all(box, ".nx-edge").forEach(function (g) {
        var k = +g.getAttribute("data-k"), i = +g.getAttribute("data-i"), j = +g.getAttribute("data-j");
        var cols = f.values["w" + k][0].length;
        var style = f.edges[k][i * cols + j];
        var line = g.querySelector(".nx-line");
        line.setAttribute("stroke", style[0]);
        line.setAttribute("stroke-width", style[1]);
      });
      all(box, "table.nx-matrix").forEach(function (table) {
        var kind = table.getAttribute("data-kind"), k = +table.getAttribute("data-k");
        var rows = kind === "w" ? f.values["w" + k] : kind === "b" ? [f.values["b" + k]] : f.layers[k][kind];
        all(table, "td").forEach(function (td) {
          td.textContent = rows[+td.getAttribute("data-i")][+td.getAttribute("data-j")];
        });
      });
      if (state.weight) { explain(state.weight); }
    }

    function explain(weight) {
      var f = frame(), c = f.chain[weight];
      if (!c) { return; }
      var parameter = weight.split("[")[0];
      panel.querySelector(".nx-hint").hidden = true;
      var body = panel.querySelector(".nx-body");
      body.hidden = false;
      body.querySelector(".nx-title").textContent = label(data, "panel", { weight: weight, iteration: f.iteration });
      var formula = body.querySelector(".nx-formula");
      formula.textContent = "";
      formula.appendChild(store.querySelector('[data-formula="' + parameter + '"]').cloneNode(true));
      var head = body.querySelector(".nx-factors thead"), rows = body.querySelector(".nx-factors tbody");
      head.textContent = ""; rows.textContent = "";
      var tr = document.createElement("tr");
      tr.appendChild(cell("th", label(data, "sample")));
      all(store, '[data-factor="' + parameter + '"]').forEach(function (factor, n) {
        var th = cell("th", label(data, "factor") + " " + (n + 1) + " ");
        th.appendChild(factor.cloneNode(true));
        tr.appendChild(th);
      });
      tr.appendChild(cell("th", label(data, "product")));
      head.appendChild(tr);
      c.rows.forEach(function (row) {
        var r = document.createElement("tr");
        row.forEach(function (value) { r.appendChild(cell("td", value)); });
        rows.appendChild(r);
      });
      var total = data.frames[0].layers[0].lT[0].length;
      body.querySelector(".nx-more").textContent = c.more ? label(data, "more", { shown: c.rows.length, total: total }) : "";
      body.querySelector(".nx-sum").textContent = c.sum;
      body.querySelector("[data-nntrace-value=grad]").textContent = c.grad;
      body.querySelector(".nx-derived").textContent = c.derived;
      body.querySelector(".nx-numpy").textContent = c.numpy;
      body.querySelector(".nx-fd").textContent = c.fd;
      body.querySelector(".nx-agree").textContent = label(data, c.agree ? "agree" : "disagree");
      body.querySelector(".nx-value").textContent = c.value;
      body.querySelector(".nx-next-value").textContent = c.next;
    }

    function choose(weight) {
      state.weight = weight;
      all(box, "[data-nntrace-weight]").forEach(function (el) {
        var on = el.getAttribute("data-nntrace-weight") === weight;
        el.classList.toggle("nx-selected", on);
        el.setAttribute("aria-pressed", on ? "true" : "false");
      });
      explain(weight);
    }

    function highlight(target, on) {
      var table = target.closest("table.nx-matrix");
      if (!table) { return; }
      var kind = table.getAttribute("data-kind"), k = table.getAttribute("data-k");
      var i = target.getAttribute("data-i"), j = target.getAttribute("data-j");
      if (kind === "b") { i = null; }
      if (kind !== "w" && kind !== "grad" && kind !== "b") { return; }
      var marks = [];
      if (i !== null) {
        marks = marks.concat(all(box, '.nx-edge[data-k="' + k + '"][data-i="' + i + '"][data-j="' + j + '"]'));
        marks = marks.concat(all(box, 'table[data-kind="lT"][data-k="' + k + '"] td[data-i="' + i + '"]'));
      } else {
        marks = marks.concat(all(box, '.nx-bias[data-nntrace-weight="b' + k + "[" + j + ']"]'));
      }
      marks = marks.concat(all(box, 'table[data-kind="delta"][data-k="' + k + '"] td[data-j="' + j + '"]'));
      marks = marks.concat(all(table, 'td[data-j="' + j + '"]'), all(table, 'td[data-i="' + target.getAttribute("data-i") + '"]'));
      marks.forEach(function (el) { el.classList.toggle("nx-hot", on); });
    }

    function stop() {
      if (state.timer) { clearInterval(state.timer); state.timer = null; }
      play.textContent = label(data, "play");
      play.setAttribute("aria-pressed", "false");
    }

    box.addEventListener("click", function (event) {
      var el = event.target.closest("[data-nntrace-weight]");
      if (el && box.contains(el)) { choose(el.getAttribute("data-nntrace-weight")); }
    });
    box.addEventListener("keydown", function (event) {
      var el = event.target.closest && event.target.closest("[data-nntrace-weight]");
      if (el && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        choose(el.getAttribute("data-nntrace-weight"));
      }
    });
    ["mouseover", "focusin"].forEach(function (type) {
      box.addEventListener(type, function (event) { if (event.target.closest) { highlight(event.target.closest("td") || event.target, true); } });
    });
    ["mouseout", "focusout"].forEach(function (type) {
      box.addEventListener(type, function (event) { if (event.target.closest) { highlight(event.target.closest("td") || event.target, false); } });
    });
    function fromSelect() { stop(); show(data.its.indexOf(+select.value)); }
    select.addEventListener("change", fromSelect);
    select.addEventListener("input", fromSelect);
    slider.addEventListener("input", function () { stop(); show(+slider.value); });
    box.querySelector(".nx-prev").addEventListener("click", function () { stop(); show(state.index - 1); });
    box.querySelector(".nx-next").addEventListener("click", function () { stop(); show(state.index + 1); });
    play.addEventListener("click", function () {
      if (state.timer) { stop(); return; }
      if (state.index >= data.its.length - 1) { show(0); }
      play.textContent = label(data, "pause");
      play.setAttribute("aria-pressed", "true");
      state.timer = setInterval(function () {
        if (state.index >= data.its.length - 1) { stop(); } else { show(state.index + 1); }
      }, 900);
    });
    show(state.index);
  }
})();
