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

  function notify(message) {
    // A permalink that leads nowhere says so, instead of leaving the reader at the top.
    var notice = document.getElementById("notice");
    notice.textContent = message || "";
    notice.hidden = !message;
  }

  function route() {
    var key = decodeURIComponent(location.hash.slice(1));
    notify(null);
    if (key.indexOf("--") > 0 && open(key)) return;
    if (key.indexOf("--") > 0) notify("This report has no cell “" + visible(key) + "”: the link names a feature or cell it does not have.");
    else if (/^feature-/.test(key) && !document.getElementById(key)) {
      notify("This report has no feature “" + visible(key.slice("feature-".length)) + "”.");
    }
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
    backend: document.getElementById("backend"),
    changedOnly: document.getElementById("changed-only") // only with a baseline
  };

  function resetFilters() {
    controls.q.value = controls.area.value = controls.verdict.value = controls.backend.value = "";
    if (controls.changedOnly) controls.changedOnly.checked = false;
    applyFilters();
  }

  function applyFilters() {
    var q = controls.q.value.trim().toLowerCase();
    var area = controls.area.value;
    var verdict = controls.verdict.value;
    var backend = controls.backend.value;
    var changedOnly = Boolean(controls.changedOnly && controls.changedOnly.checked);
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
      var tokens = row.getAttribute("data-v");
      if (ok && verdict) ok = hasToken(tokens, backend, verdict);
      if (ok && changedOnly) ok = hasToken(tokens, backend, "changed");
      row.hidden = !ok;
      if (ok) { shown += 1; headerShown = true; }
    });
    if (header) header.hidden = !headerShown;
    document.getElementById("shown").textContent = "Showing " + shown + " of " + total + " features";
  }

  function hasToken(tokens, backend, word) {
    // A row's data-v holds "backend:verdict " per cell, and "backend:changed " per changed cell.
    return tokens.indexOf((backend ? backend : "") + ":" + word + " ") >= 0;
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

  // --- My setup and the release compare: drawn from DATA for the choices kept in the URL query,
  // so a link such as ?django=5.2&db=postgresql or ?compare=5.1..5.2 opens the same answer. ---
  var WRAPPED_MARKER = "# wrapped form\n";
  var cellIds = {};
  Object.keys(DATA.cells).forEach(function (id) {
    cellIds[DATA.cells[id].django_series + "|" + DATA.cells[id].backend] = id;
  });
  var picks = {
    django: document.getElementById("setup-django"),
    db: document.getElementById("setup-db"),
    from: document.getElementById("compare-from"),
    to: document.getElementById("compare-to")
  };
  var setupAnswer = document.getElementById("setup-answer");
  var compareAnswer = document.getElementById("compare-answer");
  var setupHint = setupAnswer.firstElementChild;
  var compareHint = compareAnswer.firstElementChild;

  function backendLabel(backend) {
    return DATA.backends[backend] || backend;
  }

  function isLater(series, than) {
    // Releases compare by their position in the matrix, which merge put in release order.
    return DATA.releases.indexOf(series) > DATA.releases.indexOf(than);
  }

  function link(text, href) {
    var node = el("a", visible(text));
    node.href = href;
    return node;
  }

  function featureItem(featureId, cellId) {
    // A feature's title, linking to its evidence in the chosen cell.
    var li = el("li");
    li.appendChild(link(DATA.features[featureId].title, "#" + featureId + "--" + cellId));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("code", visible(featureId)));
    return li;
  }

  function group(parent, verdict, title, items, folded) {
    // One verdict's features under a heading with their count; folded behind <details>.
    var style = DATA.verdicts[verdict];
    var heading = el("h3", style.symbol + " " + title + ": " + items.length);
    heading.style.color = style.color;
    heading.setAttribute("data-verdict", verdict);
    parent.appendChild(heading);
    if (!items.length) return;
    var list = el("ul");
    items.forEach(function (item) { list.appendChild(item); });
    if (!folded) { parent.appendChild(list); return; }
    var details = el("details");
    details.appendChild(el("summary", "show the " + items.length + " feature" + (items.length > 1 ? "s" : "")));
    details.appendChild(list);
    parent.appendChild(details);
  }

  function wrappedForm(checks) {
    // The tested workaround: the wrapped form a check ran, which its snippet carries after a marker.
    for (var i = 0; i < checks.length; i += 1) {
      var snippet = checks[i].evidence && checks[i].evidence.snippet;
      var at = snippet ? snippet.indexOf(WRAPPED_MARKER) : -1;
      if (at >= 0) return snippet.slice(at + WRAPPED_MARKER.length);
    }
    return null;
  }

  function arrival(found, series) {
    // When something is native, in words, relative to the chosen release.
    if (!found) return "not native in any release measured here";
    if (isLater(found.series, series)) return "native from Django " + found.series;
    return "native in your release (since " + found.series + (found.floor ? " or earlier" : "") + ")";
  }

  function syncToAsyncItem(featureId, cellId, series, backend) {
    var li = featureItem(featureId, cellId);
    var feature = DATA.features[featureId];
    var since = feature.since && feature.since[backend];
    if (since) li.appendChild(el("div", "The direct form is " + arrival(since, series) + "."));
    var wrapped = wrappedForm(feature.cells[cellId].checks);
    if (wrapped) {
      var details = el("details");
      details.appendChild(el("summary", "tested workaround (the wrapped form the check ran)"));
      details.appendChild(longText("pre", wrapped));
      li.appendChild(details);
    }
    (DATA.alternatives[featureId] || []).forEach(function (alternative) {
      var line = el("div", "Native alternative: ");
      line.appendChild(el("code", visible(alternative.api)));
      var found = alternative.native_since && alternative.native_since[backend];
      line.appendChild(document.createTextNode(", " + arrival(found, series) + "."));
      li.appendChild(line);
    });
    return li;
  }

  function absentItem(featureId, cellId, series, backend) {
    var li = featureItem(featureId, cellId);
    var since = DATA.features[featureId].since;
    li.appendChild(document.createTextNode(": " + arrival(since && since[backend], series)));
    return li;
  }

  function divergesItem(featureId, cellId) {
    var li = featureItem(featureId, cellId);
    if (DATA.divergences.indexOf(featureId) >= 0) {
      li.appendChild(document.createTextNode(" · "));
      li.appendChild(link("in Divergences", "#divergence-" + featureId));
    }
    return li;
  }

  function renderSetup(series, backend) {
    setupAnswer.textContent = "";
    if (!series || !backend) { setupAnswer.appendChild(setupHint); return; }
    var cellId = cellIds[series + "|" + backend];
    if (!cellId) {
      setupAnswer.appendChild(el("p", "This report has no results for Django " + visible(series) + " on " + visible(backendLabel(backend)) + ".", "bad"));
      return;
    }
    var cell = DATA.cells[cellId];
    setupAnswer.appendChild(el("p", "Django " + series + " on " + backendLabel(backend) + ":"));
    if (cell.state !== "complete") {
      setupAnswer.appendChild(el("p", "⚠ This session is " + cell.state + ": its cells are not measurements.", "bad"));
    }
    var found = { native: [], "needs-sync-to-async": [], absent: [], diverges: [], rest: [] };
    DATA.feature_order.forEach(function (featureId) {
      var verdict = DATA.features[featureId].cells[cellId].verdict;
      if (verdict === "native") found.native.push(featureItem(featureId, cellId));
      else if (verdict === "needs-sync-to-async") found[verdict].push(syncToAsyncItem(featureId, cellId, series, backend));
      else if (verdict === "absent") found.absent.push(absentItem(featureId, cellId, series, backend));
      else if (verdict === "diverges") found.diverges.push(divergesItem(featureId, cellId));
      else {
        var item = featureItem(featureId, cellId);
        item.insertBefore(document.createTextNode(" "), item.firstChild);
        item.insertBefore(badge(verdict), item.firstChild);
        found.rest.push(item);
      }
    });
    group(setupAnswer, "native", "Native, await it directly", found.native, true);
    group(setupAnswer, "needs-sync-to-async", "Needs sync_to_async", found["needs-sync-to-async"], false);
    group(setupAnswer, "absent", "Absent", found.absent, false);
    group(setupAnswer, "diverges", "Diverges from its sync twin", found.diverges, false);
    if (found.rest.length) group(setupAnswer, "unsupported", "Unsupported or not measured", found.rest, true);
  }

  function changeKind(oldVerdict, newVerdict) {
    // The same rule as the baseline diff's change_kind, which the page embeds as a table.
    return DATA.change_kinds.by_pair[oldVerdict + ">" + newVerdict] || "other";
  }

  function releaseChanges(from, to) {
    // Every feature x backend whose verdict differs between two releases, by kind.
    var byKind = {};
    DATA.change_kinds.order.forEach(function (kind) { byKind[kind.kind] = []; });
    DATA.feature_order.forEach(function (featureId) {
      DATA.backend_order.forEach(function (backend) {
        var before = cellIds[from + "|" + backend], after = cellIds[to + "|" + backend];
        if (!before || !after) return;
        var cells = DATA.features[featureId].cells;
        var old = cells[before].verdict, now = cells[after].verdict;
        if (old === now) return;
        byKind[changeKind(old, now)].push({ feature: featureId, backend: backend, before: before, after: after, old: old, now: now });
      });
    });
    return byKind;
  }

  function changeItem(change) {
    var li = el("li");
    li.appendChild(link(DATA.features[change.feature].title, "#feature-" + change.feature));
    li.appendChild(document.createTextNode(" on " + backendLabel(change.backend) + ": "));
    var before = el("a");
    before.href = "#" + change.feature + "--" + change.before;
    before.appendChild(badge(change.old));
    li.appendChild(before);
    li.appendChild(document.createTextNode(" → "));
    var after = el("a");
    after.href = "#" + change.feature + "--" + change.after;
    after.appendChild(badge(change.now));
    li.appendChild(after);
    return li;
  }

  function renderCompare(from, to) {
    compareAnswer.textContent = "";
    if (!from || !to) { compareAnswer.appendChild(compareHint); return; }
    var unknown = [from, to].filter(function (series) { return DATA.releases.indexOf(series) < 0; });
    if (unknown.length) {
      compareAnswer.appendChild(el("p", "This report has no results for Django " + visible(unknown.join(" or ")) + ".", "bad"));
      return;
    }
    var byKind = releaseChanges(from, to);
    var total = 0;
    DATA.change_kinds.order.forEach(function (kind) {
      var changes = byKind[kind.kind];
      total += changes.length;
      if (!changes.length) return;
      var heading = el("h3", kind.label + " (" + changes.length + ")");
      heading.setAttribute("data-kind", kind.kind);
      compareAnswer.appendChild(heading);
      var list = el("ul");
      changes.forEach(function (change) { list.appendChild(changeItem(change)); });
      compareAnswer.appendChild(list);
    });
    compareAnswer.insertBefore(el("p", total ? "From Django " + from + " to " + to + ", " + total + " verdict" + (total > 1 ? "s" : "") + " change:" : "No feature changes verdict from Django " + from + " to " + to + "."), compareAnswer.firstChild);
  }

  function readQuery() {
    // The URL's choices into the controls and the answers; an unknown value still gets an answer
    // that says so.
    var query = new URLSearchParams(location.search);
    var series = query.get("django") || "", backend = query.get("db") || "";
    var span = (query.get("compare") || "").split("..");
    picks.django.value = series;
    picks.db.value = backend;
    picks.from.value = span.length === 2 ? span[0] : "";
    picks.to.value = span.length === 2 ? span[1] : "";
    renderSetup(series, backend);
    renderCompare(span.length === 2 ? span[0] : "", span.length === 2 ? span[1] : "");
  }

  function writeQuery() {
    // The controls' choices into the URL, so the page can be bookmarked or shared as it is.
    var query = new URLSearchParams(location.search);
    [["django", picks.django.value], ["db", picks.db.value]].forEach(function (pair) {
      if (pair[1]) query.set(pair[0], pair[1]); else query.delete(pair[0]);
    });
    if (picks.from.value && picks.to.value) query.set("compare", picks.from.value + ".." + picks.to.value);
    else query.delete("compare");
    var search = query.toString();
    history.replaceState(null, "", location.pathname + (search ? "?" + search : "") + location.hash);
    renderSetup(picks.django.value, picks.db.value);
    renderCompare(picks.from.value, picks.to.value);
  }

  function measureMatrixHead() {
    // A permalinked row scrolls to just below the matrix's sticky header instead of under it.
    matrix.style.setProperty("--matrix-head", matrix.tHead.offsetHeight + "px");
  }

  document.getElementById("setup").addEventListener("change", writeQuery);
  document.getElementById("compare").addEventListener("change", writeQuery);
  window.addEventListener("resize", measureMatrixHead);
  measureMatrixHead();
  readQuery();
  applyFilters();
  route();
})();
