"use strict";
(function () {
  // One listener per kind of event, on the document or a container: never one per cell.
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var LIMIT = 4000; // longer values are cut, with a button that shows all of them
  var matrix = document.getElementById("matrix");
  var panel = document.getElementById("evidence");
  var body = document.getElementById("evidence-body");
  var title = document.getElementById("evidence-title");
  var rows = Array.prototype.slice.call(matrix.tBodies[0].rows);
  var current = null;
  var currentKey = null;
  var longTexts = [];

  function visible(text) {
    // Control characters shown as \xNN, like the server-rendered parts of the page.
    return String(text).replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/g, function (c) {
      var code = c.charCodeAt(0);
      return code > 0xff ? "\\u" + code.toString(16) : "\\x" + ("0" + code.toString(16)).slice(-2);
    });
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function longText(tag, text) {
    var full = visible(text);
    var node = el(tag, full.length > LIMIT ? full.slice(0, LIMIT) + " …" : full);
    if (full.length <= LIMIT) return node;
    var wrap = el("div");
    var more = el("button", "show all " + full.length.toLocaleString("en") + " characters", "more");
    more.type = "button";
    more.setAttribute("data-long", String(longTexts.length));
    longTexts.push({ node: node, text: full });
    wrap.appendChild(node);
    wrap.appendChild(more);
    return wrap;
  }

  function addRow(dl, term, value, pre) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", term));
    var dd = el("dd");
    dd.appendChild(pre ? longText("pre", value) : longText("span", value));
    dl.appendChild(dd);
  }

  function observation(found) {
    if (!found) return null;
    if (found.kind === "exception") {
      return "raised " + (found.type || "?") + ": " + (found.message === null ? found.repr : found.message);
    }
    if (found.kind === "absent") return "absent: " + found.repr;
    return found.repr;
  }

  function lines(list) {
    return (list || []).join("\n") || "none";
  }

  function counts(byKind) {
    var kinds = Object.keys(byKind || {});
    return kinds.map(function (kind) { return kind + " " + byKind[kind]; }).join(", ") || "none";
  }

  function addSides(dl, term, sides, format) {
    // What each side did on the way (hooks, warnings, queries): async first, like the outcomes.
    if (!sides) return;
    addRow(dl, term + " (async)", format(sides.async), true);
    addRow(dl, term + " (sync twin)", format(sides.sync), true);
  }

  function badge(verdict) {
    var style = DATA.verdicts[verdict] || DATA.verdicts.error;
    var node = el("span", style.symbol + " " + style.label, "badge");
    node.style.setProperty("--c", style.color);
    return node;
  }

  function renderCheck(check) {
    var box = el("div", null, "check");
    var head = el("p");
    head.appendChild(badge(check.verdict));
    head.appendChild(document.createTextNode(" "));
    head.appendChild(el("code", visible(check.id)));
    box.appendChild(head);
    var dl = el("dl");
    addRow(dl, "outcome", check.outcome + (check.duration_s === null ? "" : ", " + check.duration_s + " s"));
    var ev = check.evidence;
    if (ev) {
      addRow(dl, "snippet", ev.snippet, true);
      addRow(dl, (ev.observed && ev.observed.kind === "exception") ? "exception" : "value", observation(ev.observed), true);
      addRow(dl, "sync twin", observation(ev.sync_twin), true);
      addRow(dl, "wrapped", observation(ev.wrapped), true);
      addRow(dl, "example", ev.example, true);
      addRow(dl, "examples tried", ev.examples);
      addRow(dl, "queries", ev.queries);
      if (ev.diverging_calls && ev.diverging_calls.length) addRow(dl, "diverging calls", lines(ev.diverging_calls), true);
      addSides(dl, "hooks", ev.hooks, lines);
      addSides(dl, "warnings", ev.warnings, lines);
      addSides(dl, "queries", ev.query_counts, counts);
      if (ev.database) {
        addRow(dl, "database tables", lines(ev.database.tables));
        addRow(dl, "rows after async", ev.database.after_async, true);
        addRow(dl, "rows after sync twin", ev.database.after_sync, true);
      }
      if (ev.tried) addRow(dl, "calls tried", ev.tried.calls + " (varied: " + (ev.tried.varied || []).join(", ") + ")");
      if (ev.signature && ev.signature.differences && ev.signature.differences.length) {
        addRow(dl, "signature differences", lines(ev.signature.differences), true);
      }
      if (ev.measurements && Object.keys(ev.measurements).length) {
        addRow(dl, "measurements", JSON.stringify(ev.measurements, null, 1), true);
      }
    }
    (check.claims || []).forEach(function (claim) { addRow(dl, "claim", claim); });
    (check.notes || []).forEach(function (note) { addRow(dl, "note", note); });
    box.appendChild(dl);
    return box;
  }

  function open(key) {
    var cut = key.lastIndexOf("--");
    var feature = DATA.features[key.slice(0, cut)];
    var cellId = key.slice(cut + 2);
    var cell = DATA.cells[cellId];
    var anchor = matrix.querySelector('a[href="' + CSS.escape("#" + key) + '"]');
    if (!feature || !cell || !feature.cells[cellId] || !anchor) return false;
    var td = anchor.parentElement;
    var result = feature.cells[cellId];
    longTexts = [];
    title.textContent = feature.title + " — Django " + cell.django_series + ", " + (DATA.backends[cell.backend] || cell.backend);
    body.textContent = "";
    var head = el("p");
    head.appendChild(badge(result.verdict));
    var link = el("a", "permalink");
    link.href = "#" + key;
    head.appendChild(document.createTextNode(" · "));
    head.appendChild(link);
    body.appendChild(head);
    var change = DATA.changes[key];
    if (change) body.appendChild(el("p", "Δ changed since the baseline: was " + change.old + ", now " + change.new + "."));
    if (result.verdict === "diverges") body.appendChild(el("p", DATA.diverges_meaning));
    if (cell.state !== "complete") {
      body.appendChild(el("p", "⚠ This session is " + cell.state + ": its cells are not measurements.", "bad"));
    }
    result.notes.forEach(function (note) { body.appendChild(longText("p", note)); });
    if (!result.checks.length) body.appendChild(el("p", "No check ran for this feature in this cell."));
    result.checks.forEach(function (check) { body.appendChild(renderCheck(check)); });
    body.appendChild(el("h3", "Versions"));
    var env = el("dl");
    var e = cell.environment || {};
    addRow(env, "Django", e.django);
    addRow(env, "Python", e.python);
    addRow(env, "driver", e.driver);
    addRow(env, "server", e.server);
    addRow(env, "Hypothesis profile", e.hypothesis_profile);
    addRow(env, "platform", e.platform);
    addRow(env, "started", cell.started_at);
    addRow(env, "session run time", cell.duration_s === null ? null : cell.duration_s + " s");
    addRow(env, "session state", cell.state);
    addRow(env, "session error", cell.error, true);
    body.appendChild(env);
    if (current) current.classList.remove("current");
    current = td;
    currentKey = key;
    td.classList.add("current");
    panel.hidden = false;
    td.scrollIntoView({ block: "nearest", inline: "nearest" });
    panel.focus();
    return true;
  }

  function close() {
    panel.hidden = true;
    if (current) {
      current.classList.remove("current");
      var link = current.querySelector("a");
      if (decodeURIComponent(location.hash.slice(1)) === currentKey) history.replaceState(null, "", location.pathname + location.search);
      if (link) link.focus();
    }
    current = null;
  }

  function route() {
    var key = decodeURIComponent(location.hash.slice(1));
    if (key.indexOf("--") > 0 && open(key)) return;
    if (!panel.hidden && !/^(claim|env|col)-/.test(key)) close();
    var target = key && document.getElementById(key);
    var folded = target && target.closest && target.closest("details:not([open])");
    if (folded) { folded.open = true; target.scrollIntoView(); }
    if (target && target.tagName === "TR" && target.hidden) {
      resetFilters();
      target.scrollIntoView();
    }
  }

  var controls = {
    q: document.getElementById("q"),
    area: document.getElementById("area"),
    verdict: document.getElementById("verdict"),
    backend: document.getElementById("backend")
  };

  function resetFilters() {
    controls.q.value = controls.area.value = controls.verdict.value = controls.backend.value = "";
    applyFilters();
  }

  function applyFilters() {
    var q = controls.q.value.trim().toLowerCase();
    var area = controls.area.value;
    var verdict = controls.verdict.value;
    var backend = controls.backend.value;
    if (backend) matrix.setAttribute("data-backend", backend); else matrix.removeAttribute("data-backend");
    if (verdict) matrix.setAttribute("data-verdict", verdict); else matrix.removeAttribute("data-verdict");
    var shown = 0, total = 0, header = null, headerShown = false;
    rows.forEach(function (row) {
      if (row.className === "area") {
        if (header) header.hidden = !headerShown;
        header = row; headerShown = false;
        return;
      }
      total += 1;
      var ok = (!area || row.getAttribute("data-area") === area) &&
        (!q || row.getAttribute("data-text").indexOf(q) >= 0);
      if (ok && verdict) {
        var tokens = row.getAttribute("data-v");
        ok = backend ? tokens.indexOf(backend + ":" + verdict + " ") >= 0 : tokens.indexOf(":" + verdict + " ") >= 0;
      }
      row.hidden = !ok;
      if (ok) { shown += 1; headerShown = true; }
    });
    if (header) header.hidden = !headerShown;
    document.getElementById("shown").textContent = "Showing " + shown + " of " + total + " features";
  }

  function move(td, key) {
    var row = td.parentElement;
    var index = td.cellIndex;
    var target = null;
    if (key === "ArrowLeft" || key === "ArrowRight") {
      var step = key === "ArrowLeft" ? -1 : 1;
      for (var i = index + step; i > 0 && i < row.cells.length; i += step) {
        if (row.cells[i].offsetParent !== null) { target = row.cells[i]; break; }
      }
    } else {
      var at = rows.indexOf(row);
      var dir = key === "ArrowUp" ? -1 : 1;
      for (var j = at + dir; j >= 0 && j < rows.length; j += dir) {
        if (!rows[j].hidden && rows[j].className !== "area") { target = rows[j].cells[index]; break; }
      }
    }
    if (target && target.querySelector("a")) {
      target.querySelector("a").focus();
      return true;
    }
    return false;
  }

  document.querySelector(".controls").addEventListener("input", applyFilters);
  document.querySelector(".controls").addEventListener("change", applyFilters);
  window.addEventListener("hashchange", route);
  matrix.addEventListener("click", function (event) {
    // Re-selecting the cell already in the URL fragment fires no hashchange: open it anyway.
    var link = event.target.closest("td.v a");
    if (link && link.getAttribute("href") === location.hash) {
      event.preventDefault();
      open(decodeURIComponent(location.hash.slice(1)));
    }
  });
  matrix.addEventListener("keydown", function (event) {
    var td = event.target.closest && event.target.closest("td.v");
    if (td && /^Arrow/.test(event.key) && move(td, event.key)) event.preventDefault();
  });
  panel.addEventListener("click", function (event) {
    if (event.target.closest(".close")) { close(); return; }
    var more = event.target.closest("button[data-long]");
    if (more) {
      var item = longTexts[Number(more.getAttribute("data-long"))];
      item.node.textContent = item.text;
      more.remove();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { event.preventDefault(); close(); }
  });
  applyFilters();
  route();
})();
