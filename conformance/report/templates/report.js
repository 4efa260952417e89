"use strict";
(function () {
  // This script is in the head, after the page's data and the first area's evidence, which it
  // starts inflating at once (gzip, with the browser's own DecompressionStream: no script of
  // ours decompresses), so both are ready by the time the matrix's first rows are parsed. It
  // binds to the page when the matrix is first used, or once the page is parsed, whichever
  // comes first; what needs the data waits for it (`loaded`), so a click made while the page
  // loads is never lost. One listener per kind of event, on the document or a container:
  // never one per cell.
  var DATA = null;
  var chunks = {}; // an area's index: a promise of its evidence, inflated on first use
  var loaded = inflate(document.getElementById("report-data")).then(function (data) {
    DATA = expand(data);
  });
  if (document.getElementById("evidence-0")) evidenceChunk(0);
  var booted = false;

  function start() {
    if (booted) return;
    booted = true;
    boot();
  }

  ["click", "keydown", "focusin"].forEach(function (type) {
    // Capturing, so the matrix's own listeners, added by boot(), still get this first event.
    document.addEventListener(type, function (event) {
      if (!booted && event.target.closest && event.target.closest("#matrix")) start();
    }, true);
  });
  document.addEventListener("DOMContentLoaded", start);

  function bytesOf(text) {
    // base64 to bytes: the browser's own decoder where it has one.
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text.trim());
    var binary = atob(text.trim());
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function inflate(element) {
    // An element's gzip in base64 (render.py's `encode_data`) back to the JSON it holds.
    var bytes = bytesOf(element.textContent);
    var source = new ReadableStream({
      start: function (controller) {
        controller.enqueue(bytes);
        controller.close();
      }
    });
    return new Response(source.pipeThrough(new DecompressionStream("gzip"))).json();
  }

  function expand(data) {
    // Each feature's verdicts come as one character per cell, and each distinct workaround with
    // its cells: back to {cell: {verdict, workaround}}, the first time a feature's cells are
    // read (the first click needs one feature's; building all of them would keep it waiting).
    // The features come as a list in feature_order (page_data.py's `read_data`): by id again.
    var byId = {};
    data.feature_order.forEach(function (featureId, index) { byId[featureId] = data.features[index]; });
    data.features = byId;
    Object.keys(data.features).forEach(function (featureId) {
      var feature = data.features[featureId];
      var cells = null;
      Object.defineProperty(feature, "cells", {
        get: function () {
          if (cells) return cells;
          cells = {};
          data.cell_order.forEach(function (cellId, index) {
            cells[cellId] = { verdict: data.verdict_order[Number(feature.verdicts[index])] };
          });
          Object.keys(feature.workarounds || {}).forEach(function (text) {
            feature.workarounds[text].forEach(function (cellId) { cells[cellId].workaround = text; });
          });
          return cells;
        }
      });
    });
    return data;
  }

  function evidenceChunk(index) {
    // An area's evidence for every feature and cell, inflated the first time it is asked for.
    if (!chunks[index]) chunks[index] = inflate(document.getElementById("evidence-" + index)).then(unshare);
    return chunks[index];
  }

  function unshare(doc) {
    // render.py's `share` undone: {"$ref": n} stands for doc.defs[n], each written once;
    // a definition refers only to earlier ones. Each feature's cells are a list in the order
    // of the data's cell_order, a cell written as a number being doc.defs[n]
    // (page_data.py's `evidence_chunks`).
    var defs = doc.defs;
    function resolve(node) {
      if (node === null || typeof node !== "object") return node;
      if (Array.isArray(node)) return node.map(resolve);
      var keys = Object.keys(node);
      if (keys.length === 1 && keys[0] === "$ref") return defs[node.$ref];
      var out = {};
      keys.forEach(function (key) { out[key] = resolve(node[key]); });
      return out;
    }
    for (var i = 0; i < defs.length; i += 1) defs[i] = resolve(defs[i]);
    var found = {};
    Object.keys(doc.root).forEach(function (featureId) {
      found[featureId] = resolve(doc.root[featureId]).map(function (cell) {
        return typeof cell === "number" ? defs[cell] : cell;
      });
    });
    return { cells: found, plain: doc.plain || [] };
  }

  function cellEvidence(chunk, featureId, cellId) {
    // One cell's evidence in an inflated chunk, its stand-ins filled in (page_data.py's
    // `evidence_chunks`: \x03 the feature's id, \x04 its member's name, \x05 its sync twin's
    // name); null where the
    // feature has none in that cell.
    var cells = chunk.cells[featureId];
    var found = cells ? cells[DATA.cell_order.indexOf(cellId)] || null : null;
    return found && chunk.plain.indexOf(featureId) < 0 ? fillIn(found, featureId) : found;
  }

  function member(featureId) {
    // A feature's member name (render.py's and page_data.py's `_member`): "aget" of
    // "queryset.aget"; none when it is short or the whole id.
    var name = featureId.slice(featureId.lastIndexOf(".") + 1);
    return name.length < 4 || name === featureId ? "" : name;
  }

  function twin(featureId) {
    // The sync twin's name of a feature's member (page_data.py's `twin_name`):
    // "get_all_permissions" of "aget_all_permissions"; none when it is short or the member
    // has no leading "a".
    var name = member(featureId).slice(1);
    return member(featureId).charAt(0) === "a" && name.length >= 4 ? name : "";
  }

  function fillIn(node, featureId) {
    // A copy: the definitions are shared by many features.
    var marks = { "\x03": featureId, "\x04": member(featureId), "\x05": twin(featureId) };
    function text(value) {
      return value.replace(/[\x03-\x05]/g, function (mark) { return marks[mark]; });
    }
    function copy(value) {
      if (typeof value === "string") return text(value);
      if (value === null || typeof value !== "object") return value;
      if (Array.isArray(value)) return value.map(copy);
      var out = {};
      Object.keys(value).forEach(function (key) { out[text(key)] = copy(value[key]); });
      return out;
    }
    return copy(node);
  }

  function boot() {
    var CLIP = 600; // characters of a value shown before "show all"
    var CLIP_LINES = 12;
    var matrix = document.getElementById("matrix");
    var panel = document.getElementById("evidence");
    var panelHome = panel.parentElement;
    var body = document.getElementById("evidence-body");
    var title = document.getElementById("evidence-title");
    var rows = [];
    var FIRST_CELL = 2; // a row's cells: its header, "since", then one per column
    var FEATURE_ROW = "r"; // area rows are "r area", the evidence row "ev"
    var evidenceRow = null;
    var current = null;
    var currentAnchor = null;
    var currentKey = null;
    var tabStop = null;
    var longTexts = [];

    // Control characters, bidi overrides and isolates, and zero-width characters shown as escapes,
    // like the server-rendered parts of the page: hostile text is seen, never obeyed.
    var HIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;

    function visible(text) {
      return String(text).replace(HIDDEN, function (c) {
        var code = c.charCodeAt(0);
        return code > 0xff ? "\\u" + ("000" + code.toString(16)).slice(-4) : "\\x" + ("0" + code.toString(16)).slice(-2);
      });
    }

    function el(tag, text, cls) {
      var node = document.createElement(tag);
      if (text !== undefined && text !== null) node.textContent = text;
      if (cls) node.className = cls;
      return node;
    }

    function link(text, href, external) {
      var node = el("a", visible(text));
      node.href = href;
      if (external) node.rel = "noopener noreferrer";
      return node;
    }

    function clipped(full) {
      // The first lines of a long value: enough to read it, short enough to keep the page calm.
      var cut = full.split("\n").slice(0, CLIP_LINES).join("\n");
      return cut.length > CLIP ? cut.slice(0, CLIP) : cut;
    }

    function longText(tag, text) {
      var full = visible(text);
      var shown = clipped(full);
      if (shown.length === full.length) return el(tag, full);
      var node = el(tag, shown + " …");
      var box = el("div");
      var more = el("button", "show all " + full.length.toLocaleString("en") + " characters", "more");
      more.type = "button";
      more.setAttribute("data-long", String(longTexts.length));
      longTexts.push({ node: node, text: full });
      box.appendChild(node);
      box.appendChild(more);
      return box;
    }

    function addRow(dl, term, value, pre) {
      if (value === undefined || value === null || value === "") return;
      dl.appendChild(el("dt", term));
      var dd = el("dd");
      dd.appendChild(typeof value === "object" ? value : longText(pre ? "pre" : "span", value));
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

    // Keys of rows each side created: "Record object (595)", "pk=3", "'id': 7".
    var KEYS = /(\bobject \(|\b(?:pk|id)=|'(?:pk|id)': )\d+/g;

    function keyOnlyDifference(ev) {
      // The async call and its sync twin each create their own rows, so new rows get other keys.
      var a = ev.observed, b = ev.sync_twin;
      if (!a || !b || a.kind !== "value" || b.kind !== "value" || a.repr === b.repr) return false;
      return a.repr.replace(KEYS, "$1#") === b.repr.replace(KEYS, "$1#");
    }

    function renderCall(dl, ev) {
      // The code that ran, with the values of this example, and the example as one line.
      addRow(dl, "code that ran", ev.snippet, true);
      addRow(dl, "example", ev.example, true);
    }

    function renderCheck(check) {
      var box = el("div", null, "check");
      var head = el("p");
      head.appendChild(badge(check.verdict));
      head.appendChild(document.createTextNode(" "));
      head.appendChild(el("code", visible(check.id)));
      box.appendChild(head);
      var dl = el("dl");
      addRow(dl, "outcome", check.outcome);
      var ev = check.evidence;
      if (ev) {
        renderCall(dl, ev);
        addRow(dl, (ev.observed && ev.observed.kind === "exception") ? "exception" : "value", observation(ev.observed), true);
        addRow(dl, "sync twin", observation(ev.sync_twin), true);
        if (keyOnlyDifference(ev)) {
          addRow(dl, "why they differ", "Only in primary keys: the async call and its sync twin each created their own rows, which got different keys. The kit compares new rows with their keys normalised, so this is the same value.");
        }
        addRow(dl, "wrapped", observation(ev.wrapped), true);
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

    function columnOf(cellId) {
      for (var i = 0; i < DATA.columns.length; i += 1) {
        if (DATA.columns[i].indexOf(cellId) >= 0) return i;
      }
      return -1;
    }

    function cellFor(featureId, cellId) {
      // The matrix cell that shows a feature's cell: its own column, or the release's merged one.
      var row = document.getElementById("feature-" + featureId);
      var column = columnOf(cellId);
      return row && column >= 0 ? row.children[FIRST_CELL + column] : null;
    }

    function docsUrl(featureId, series) {
      // page_data.py's `docs_target` undone: {url}, with {project} for an add-on's project page.
      var place = DATA.features[featureId].docs;
      if (place === undefined) return null;
      var target = DATA.docs_targets[place];
      if (/\.$/.test(target)) target += featureId.slice(featureId.lastIndexOf(".") + 1);
      var project = DATA.project_pages[target];
      if (project) return { url: target, project: project };
      return { url: (DATA.docs_root + target).replace("{series}", series) };
    }

    function docsLinks(featureId, cellId) {
      // Django's documentation of the API for this release, and the release notes where it arrived.
      var feature = DATA.features[featureId];
      var cell = DATA.cells[cellId];
      var p = el("p");
      var docs = docsUrl(featureId, cell.django_series);
      if (docs && docs.project) p.appendChild(link(docs.project + " documentation (an add-on's own API)", docs.url, true));
      else if (docs) p.appendChild(link("Django " + cell.django_series + " documentation of this API", docs.url, true));
      var since = feature.since && feature.since[cell.backend];
      if (since && !since.floor) {
        if (p.firstChild) p.appendChild(document.createTextNode(" · "));
        p.appendChild(link("release notes of Django " + since.series + ", where it became native", DATA.release_notes.replace("{series}", since.series), true));
      }
      return p.firstChild ? p : null;
    }

    function chosenBackend(key) {
      // A merged cell stands for several backends: with the backend filter set, it opens that
      // backend's own evidence, not the first backend's.
      var backend = controls.backend.value;
      var cut = key.lastIndexOf("--");
      var column = columnOf(key.slice(cut + 2));
      if (!backend || column < 0) return key;
      var own = DATA.columns[column].filter(function (id) { return DATA.cells[id].backend === backend; });
      return own.length ? key.slice(0, cut + 2) + own[0] : key;
    }

    function placePanel(td) {
      // The evidence goes in a row of its own just below the cell's row: beside the matrix's
      // content, never over the cell it explains.
      if (!evidenceRow) {
        evidenceRow = el("div", null, "ev");
        evidenceRow.setAttribute("role", "row");
        var cell = el("div");
        cell.setAttribute("role", "gridcell");
        cell.setAttribute("aria-colspan", String(td.parentElement.children.length));
        evidenceRow.appendChild(cell);
      }
      td.parentElement.after(evidenceRow);
      evidenceRow.firstChild.appendChild(panel);
    }

    function open(key) {
      // Whether the key names a cell; if so, its evidence is drawn.
      var cut = key.lastIndexOf("--");
      var featureId = key.slice(0, cut);
      var feature = DATA.features[featureId];
      var cellId = key.slice(cut + 2);
      var cell = DATA.cells[cellId];
      if (feature && cell && columnOf(cellId) < 0) {
        // A session that never ran has no column: say so where the reader looks.
        notify("Django " + cell.django_series + " on " + (DATA.backends[cell.backend] || cell.backend) + " did not run: this report has no results for it.");
        return true;
      }
      var td = feature && cell && feature.cells[cellId] ? cellFor(featureId, cellId) : null;
      if (!td) return false;
      currentKey = key;
      panel.removeAttribute("data-complete"); // until this cell's evidence is drawn
      evidenceChunk(feature.chunk).then(function (chunk) {
        // Drawn unless another cell was opened, or this one closed, meanwhile.
        if (currentKey === key) draw(key, featureId, cellId, td, cellEvidence(chunk, featureId, cellId));
      }, function (error) {
        notify("The evidence of “" + visible(key) + "” could not be read (" + error + "): render the page again with python -m conformance.report.");
      });
      return true;
    }

    function draw(key, featureId, cellId, td, found) {
      var feature = DATA.features[featureId];
      var cell = DATA.cells[cellId];
      var result = { verdict: feature.cells[cellId].verdict, notes: found ? found.notes : [], checks: found ? found.checks : [] };
      longTexts = [];
      title.textContent = visible(feature.title) + " — Django " + cell.django_series + ", " + (DATA.backends[cell.backend] || cell.backend);
      body.textContent = "";
      var head = el("p");
      head.appendChild(badge(result.verdict));
      head.appendChild(document.createTextNode(" · "));
      head.appendChild(link("permalink", "#" + key));
      body.appendChild(head);
      var others = DATA.columns[columnOf(cellId)].filter(function (id) {
        return id !== cellId && feature.cells[id].verdict === result.verdict;
      });
      var apart = DATA.columns[columnOf(cellId)].filter(function (id) {
        return feature.cells[id].verdict !== result.verdict;
      });
      apart.forEach(function (id) {
        var line = el("p", (DATA.verdicts[feature.cells[id].verdict] || DATA.verdicts.error).label + " on " + (DATA.backends[DATA.cells[id].backend] || id) + ": ");
        line.appendChild(link("its evidence", "#" + featureId + "--" + id));
        body.appendChild(line);
      });
      if (others.length) {
        var same = el("p", "Same verdict on ");
        others.forEach(function (other, index) {
          if (index) same.appendChild(document.createTextNode(", "));
          same.appendChild(link(DATA.backends[DATA.cells[other].backend] || other, "#" + featureId + "--" + other));
        });
        same.appendChild(document.createTextNode(" (its own evidence)."));
        body.appendChild(same);
      }
      var docs = docsLinks(featureId, cellId);
      if (docs) body.appendChild(docs);
      var change = DATA.changes[key];
      if (change) body.appendChild(el("p", "Δ changed since the baseline: was " + change.old + ", now " + change.new + "."));
      if (result.verdict === "diverges") body.appendChild(el("p", DATA.diverges_meaning, "explain"));
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
      td.classList.add("current");
      currentAnchor = anchorFor(td, cellId);
      setTabStop(currentAnchor);
      placePanel(td);
      panel.hidden = false;
      panel.setAttribute("data-complete", "");
      // The cell's row at the top, below the sticky header, and its evidence right under it.
      td.parentElement.scrollIntoView({ block: "start" });
      td.scrollIntoView({ block: "nearest", inline: "nearest" });
      panel.focus({ preventScroll: true });
    }

    function close() {
      panel.hidden = true;
      panelHome.appendChild(panel);
      if (evidenceRow) evidenceRow.remove();
      if (current) {
        current.classList.remove("current");
        var anchor = currentAnchor;
        if (decodeURIComponent(location.hash.slice(1)) === currentKey) history.replaceState(null, "", location.pathname + location.search);
        if (anchor) anchor.focus();
      }
      current = null;
      currentKey = null;
    }

    function notify(message) {
      // A permalink that leads nowhere says so, instead of leaving the reader at the top.
      var notice = document.getElementById("notice");
      notice.textContent = message || "";
      notice.hidden = !message;
    }

    function route(loaded) {
      // `loaded`: the first call, once the deferred markup is in: the browser looked for the
      // fragment's target before it existed, so the page scrolls to it here.
      var key = decodeURIComponent(location.hash.slice(1));
      notify(null);
      if (key.indexOf("--") > 0) {
        var target = document.getElementById("feature-" + key.slice(0, key.lastIndexOf("--")));
        if (target && target.hidden) resetFilters();
        if (open(key)) return;
        notify("This report has no cell “" + visible(key) + "”: the link names a feature or cell it does not have.");
      } else if (/^feature-/.test(key) && !document.getElementById(key)) {
        notify("This report has no feature “" + visible(key.slice("feature-".length)) + "”.");
      }
      if (!panel.hidden && !/^(claim|env)-/.test(key)) close();
      var found = key && document.getElementById(key);
      var folded = found && found.closest && found.closest("details:not([open])");
      if (folded) { folded.open = true; found.scrollIntoView(); }
      if (found && found.tagName === "TR" && found.hidden) {
        resetFilters();
        found.scrollIntoView();
      } else if (found && loaded === true) found.scrollIntoView();
    }

    // --- filters and search, kept in the URL's query ---------------------------------------
    var controls = {
      q: document.getElementById("q"),
      area: document.getElementById("area"),
      verdict: document.getElementById("verdict"),
      backend: document.getElementById("backend"),
      changed: document.getElementById("changed-only") // only with a baseline
    };
    var rowTokens = null;
    var search = null; // each feature's search text, inflated once the page has loaded

    function tokens() {
      // Per feature row: its search text, and "backend:verdict " per cell (and "backend:changed ").
      if (rowTokens) return rowTokens;
      rowTokens = {};
      DATA.feature_order.forEach(function (featureId) {
        var feature = DATA.features[featureId];
        var v = "";
        Object.keys(feature.cells).forEach(function (cellId) {
          var backend = DATA.cells[cellId].backend;
          v += backend + ":" + feature.cells[cellId].verdict + " ";
          if (DATA.changes[featureId + "--" + cellId]) v += backend + ":changed ";
        });
        var head = searchWords([featureId, feature.title, DATA.area_labels[feature.area]]).join(" ");
        var tail = search[featureId];
        rowTokens["feature-" + featureId] = { text: tail ? head + " " + tail : head, v: v };
      });
      return rowTokens;
    }

    function searchWords(words) {
      // page_data.py's `_search_words`: lower case, one space apart, each once, in order.
      var seen = [];
      words.forEach(function (word) {
        if (!word) return;
        var said = word.toLowerCase().split(/\s+/).filter(Boolean).join(" ");
        if (seen.indexOf(said) < 0) seen.push(said);
      });
      return seen;
    }

    // Classes whose methods code calls on an instance or a manager: "Model.asave" is also
    // "article.asave(", "QuerySet.aget" also "Article.objects.aget(".
    var CLASSES = /^(model|queryset|manager|relatedmanager)(\.\w+)$/;

    function searchTerms(query, all) {
      // "select_related(", "Model.asave()" and "  async   with " find what their words name; a
      // class's method is looked for on instances only where no feature names it outright.
      var term = query.toLowerCase().replace(/\s+/g, " ").trim().replace(/\(\)?$/, "");
      var member = CLASSES.exec(term);
      var named = Object.keys(all).some(function (id) { return all[id].text.indexOf(term) >= 0; });
      return member && !named ? [member[2]] : [term];
    }

    function matches(text, terms) {
      return terms.some(function (term) { return text.indexOf(term) >= 0; });
    }

    function resetFilters() {
      controls.q.value = controls.area.value = controls.verdict.value = controls.backend.value = "";
      if (controls.changed) controls.changed.checked = false;
      applyFilters();
      writeFilters();
    }

    function applyFilters() {

      var area = controls.area.value;
      var verdict = controls.verdict.value;
      var backend = controls.backend.value;
      var changedOnly = Boolean(controls.changed && controls.changed.checked);
      if (backend) matrix.setAttribute("data-backend", backend); else matrix.removeAttribute("data-backend");
      if (verdict) matrix.setAttribute("data-verdict", verdict); else matrix.removeAttribute("data-verdict");
      if (!search) return; // the rows and their search text come with the page; filters then
      var all = tokens();
      var q = controls.q.value.trim() ? searchTerms(controls.q.value, all) : null;
      var shown = 0, total = 0, header = null, headerShown = false;
      rows.forEach(function (row) {
        if (row.className !== FEATURE_ROW) {
          if (header) header.hidden = !headerShown;
          header = row; headerShown = false;
          return;
        }
        total += 1;
        var found = all[row.id];
        var ok = (!area || row.getAttribute("data-area") === area) && (!q || matches(found.text, q));
        if (ok && verdict) ok = hasToken(found.v, backend, verdict);
        if (ok && changedOnly) ok = hasToken(found.v, backend, "changed");
        row.hidden = !ok;
        if (ok) { shown += 1; headerShown = true; }
      });
      if (header) header.hidden = !headerShown;
      document.getElementById("shown").textContent = "Showing " + shown + " of " + total + " features";
      if (current && current.parentElement.hidden) close();
      if (tabStop && tabStop.closest("[role=row]").hidden) setTabStop(firstCell());
    }

    function hasToken(list, backend, word) {
      return list.indexOf((backend ? backend : "") + ":" + word + " ") >= 0;
    }

    var FILTERS = [["q", "q"], ["area", "area"], ["verdict", "verdict"], ["backend", "backend"]];

    function readFilters(query) {
      FILTERS.forEach(function (pair) { controls[pair[0]].value = query.get(pair[1]) || ""; });
      if (controls.changed) controls.changed.checked = query.get("changed") === "1";
    }

    function writeFilters() {
      var query = new URLSearchParams(location.search);
      FILTERS.forEach(function (pair) {
        var value = controls[pair[0]].value.trim();
        if (value) query.set(pair[1], value); else query.delete(pair[1]);
      });
      if (controls.changed && controls.changed.checked) query.set("changed", "1"); else query.delete("changed");
      replaceQuery(query);
    }

    function replaceQuery(query) {
      var search = query.toString();
      history.replaceState(null, "", location.pathname + (search ? "?" + search : "") + location.hash);
    }

    // --- the grid: one tab stop, arrow keys move it ----------------------------------------
    function firstCell() {
      for (var i = 0; i < rows.length; i += 1) {
        if (!rows[i].hidden && rows[i].className === FEATURE_ROW) return visibleCell(rows[i], FIRST_CELL, 1);
      }
      return null;
    }

    function shown(node) {
      // The backend filter hides what is for other backends only (class "s" with "b-<backend>"
      // per backend): a split column, or a verdict of a cell whose backends differ.
      var backend = matrix.getAttribute("data-backend");
      return !backend || !node.classList.contains("s") || node.classList.contains("b-" + backend);
    }

    function cellAnchors(td) {
      // The links of a matrix cell the filters leave shown: one, or one per verdict.
      return shown(td) ? Array.prototype.filter.call(td.querySelectorAll("a"), shown) : [];
    }

    function anchorFor(td, cellId) {
      // The link of a cell's verdict: the only one, or the one whose backends include the cell.
      var links = td.querySelectorAll("a");
      for (var i = 0; i < links.length; i += 1) {
        var cells = links[i].getAttribute("data-cells");
        if (cells && cells.split(" ").indexOf(cellId) >= 0) return links[i];
      }
      return links[0];
    }

    function visibleCell(row, from, step) {
      for (var i = from; i >= FIRST_CELL && i < row.children.length; i += step) {
        var links = cellAnchors(row.children[i]);
        if (links.length) return step > 0 ? links[0] : links[links.length - 1];
      }
      return null;
    }

    function setTabStop(anchor) {
      if (!anchor || anchor === tabStop) return;
      if (tabStop) tabStop.tabIndex = -1;
      tabStop = anchor;
      tabStop.tabIndex = 0;
    }

    function move(anchor, key, ctrl) {
      // Left and Right step through the row's links (a cell whose backends differ has one per
      // verdict), Up and Down keep the column, Home and End go to the row's ends.
      var td = anchor.closest("[role=gridcell]");
      var row = td.parentElement;
      var index = Array.prototype.indexOf.call(row.children, td);
      var target = null;
      if (key === "ArrowLeft" || key === "ArrowRight") {
        var links = [];
        for (var i = FIRST_CELL; i < row.children.length; i += 1) links = links.concat(cellAnchors(row.children[i]));
        target = links[links.indexOf(anchor) + (key === "ArrowLeft" ? -1 : 1)] || null;
      } else if (key === "Home") target = ctrl ? firstCell() : visibleCell(row, FIRST_CELL, 1);
      else if (key === "End") target = visibleCell(row, row.children.length - 1, -1);
      else if (key === "ArrowUp" || key === "ArrowDown" || key === "PageUp" || key === "PageDown") {
        var dir = key === "ArrowUp" || key === "PageUp" ? -1 : 1;
        var steps = key.indexOf("Page") === 0 ? 10 : 1;
        var at = rows.indexOf(row);
        for (var j = at + dir; j >= 0 && j < rows.length; j += dir) {
          if (!rows[j].hidden && rows[j].className === FEATURE_ROW) {
            target = cellAnchors(rows[j].children[index])[0] || target;
            steps -= 1;
            if (!steps) break;
          }
        }
      }
      if (!target) return false;
      setTabStop(target);
      // Scrolled by hand: focus() scrolls the cell just to the scroller's edge, under the
      // sticky feature column or past the screen's right edge on a phone; "nearest" with the
      // anchors' scroll-margin keeps it clear of both, and of the sticky header.
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "nearest", inline: "nearest" });
      return true;
    }


    function filtered() {
      applyFilters();
      writeFilters();
    }
    document.querySelector(".controls").addEventListener("input", filtered);
    document.querySelector(".controls").addEventListener("change", filtered);
    window.addEventListener("hashchange", function () { loaded.then(route); });
    matrix.addEventListener("click", function (event) {
      // A cell opens as soon as the data is in, without waiting for the hashchange (which
      // queues behind the parser while the page loads); the fragment is still set, so Back and
      // links work.
      var anchor = event.target.closest("[role=gridcell] a");
      if (!anchor || !anchor.closest("[role=row]").id) return;
      setTabStop(anchor);
      event.preventDefault();
      var href = anchor.getAttribute("href");
      if (location.hash !== href) history.pushState(null, "", href);
      loaded.then(function () {
        // The backend filter's choice is known once the data is in.
        var key = chosenBackend(decodeURIComponent(href.slice(1)));
        if (key !== decodeURIComponent(href.slice(1))) history.replaceState(null, "", "#" + key);
        if (!open(key)) route();
      });
    });
    matrix.addEventListener("focusin", function (event) {
      var anchor = event.target.closest && event.target.closest("[role=gridcell] a");
      if (!anchor || !anchor.closest("[role=row]").id) return;
      setTabStop(anchor);
    });
    matrix.addEventListener("keydown", function (event) {
      var anchor = event.target.closest && event.target.closest("[role=gridcell] a");
      if (anchor && /^(Arrow|Home|End|Page)/.test(event.key) && move(anchor, event.key, event.ctrlKey)) event.preventDefault();
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
    document.querySelector(".skip").addEventListener("click", function (event) {
      // The skip link lands on the grid's one tab stop, ready for the arrow keys.
      if (!tabStop) return;
      event.preventDefault();
      tabStop.focus();
    });

    // --- My setup and the release compare: drawn from DATA for the choices kept in the URL query,
    // so a link such as ?django=5.2&db=postgresql or ?compare=5.1..5.2 opens the same answer. ---
    var cellIds = {};
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

    function featureItem(featureId, cellId) {
      // A feature's title, linking to its evidence in the chosen cell, and its docs there.
      var li = el("li");
      li.appendChild(link(DATA.features[featureId].title, "#" + featureId + "--" + cellId));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("code", visible(featureId)));
      var docs = docsLink(featureId, DATA.cells[cellId].django_series);
      if (docs) {
        li.appendChild(document.createTextNode(" · "));
        li.appendChild(docs);
      }
      return li;
    }

    function group(parent, verdict, heading, items, folded, name) {
      // One group's features under a heading with their count; folded behind <details>.
      var style = DATA.verdicts[verdict];
      var h = el("h3", (name ? "" : style.symbol + " ") + heading + ": " + items.length);
      if (!name) h.style.color = style.color;
      h.setAttribute("data-group", name || verdict);
      h.setAttribute("data-verdict", verdict);
      parent.appendChild(h);
      if (!items.length) return;
      var list = el("ul");
      items.forEach(function (item) { list.appendChild(item); });
      if (!folded) { parent.appendChild(list); return; }
      var details = el("details");
      details.appendChild(el("summary", "show the " + items.length + " feature" + (items.length > 1 ? "s" : "")));
      details.appendChild(list);
      parent.appendChild(details);
    }

    function arrival(found, series) {
      // When something is native, in words, relative to the chosen release.
      if (!found) return "not native in any release measured here";
      if (isLater(found.series, series)) return "native from Django " + found.series;
      return "native in your release (since " + found.series + (found.floor ? " or earlier" : "") + ")";
    }

    function firstShipped(featureId, backend) {
      // The first release where the feature exists on this backend, and its verdict there: an
      // API can arrive already diverging, or needing sync_to_async, and never become native.
      // `floor` when that is the backend's oldest cell (merge.py's `since`): an add-on made for
      // 6.1 alone ships it in "6.1 or earlier", never "since 6.1".
      var cells = DATA.features[featureId].cells;
      var oldest = null;
      for (var i = 0; i < DATA.releases.length; i += 1) {
        var id = cellIds[DATA.releases[i] + "|" + backend];
        if (id && oldest === null) oldest = DATA.releases[i];
        var verdict = id && cells[id].verdict;
        if (verdict && MEASURED_PRESENT.indexOf(verdict) >= 0) return { series: DATA.releases[i], verdict: verdict, floor: DATA.releases[i] === oldest };
      }
      return null;
    }
    var MEASURED_PRESENT = ["native", "needs-sync-to-async", "diverges", "unsupported"];

    function shipping(featureId, series, backend) {
      // "native from 5.0", or, for an API that never became native, when it ships and how.
      var since = DATA.features[featureId].since;
      var native = since && since[backend];
      if (native) return arrival(native, series);
      var first = firstShipped(featureId, backend);
      if (!first) return arrival(null, series);
      var how = first.verdict === "diverges" ? "diverging from its sync twin" : DATA.verdicts[first.verdict].label;
      return "ships " + how + " since Django " + first.series + (first.floor ? " or earlier" : "") + (isLater(first.series, series) ? " (after your release)" : "");
    }

    function docsLink(featureId, series) {
      // Django's documentation of the API, for the chosen release.
      // An add-on's own API: its project's documentation.
      var docs = docsUrl(featureId, series);
      if (!docs) return null;
      return link(docs.project ? docs.project + " docs" : "Django " + series + " docs", docs.url, true);
    }

    function syncToAsyncItem(featureId, cellId, series, backend) {
      var li = featureItem(featureId, cellId);
      var feature = DATA.features[featureId];
      var since = feature.since && feature.since[backend];
      if (since) li.appendChild(el("div", "The direct form is " + arrival(since, series) + "."));
      var pasteable = feature.cells[cellId].workaround;
      if (pasteable) {
        // Exactly the text the check ran in this cell: it can be pasted into an async view.
        li.appendChild(el("div", "Instead, in your async code (the kit ran exactly this in this cell):"));
        li.appendChild(el("pre", visible(pasteable), "workaround"));
      }
      (DATA.alternatives[featureId] || []).forEach(function (alternative) {
        if (alternative.feature === featureId) return;
        var line = el("div", "Native alternative: ");
        var api = el("code", visible(alternative.api));
        if (alternative.feature && DATA.features[alternative.feature]) {
          var to = el("a");
          to.href = "#" + alternative.feature + "--" + cellId;
          to.appendChild(api);
          line.appendChild(to);
        } else {
          line.appendChild(api);
        }
        var found = alternative.native_since && alternative.native_since[backend];
        line.appendChild(document.createTextNode(", " + arrival(found, series) + "."));
        li.appendChild(line);
      });
      return li;
    }

    function absentItem(featureId, cellId, series, backend) {
      var li = featureItem(featureId, cellId);
      li.appendChild(el("div", "Not in your release: " + shipping(featureId, series, backend) + "."));
      return li;
    }

    function divergesItem(featureId, cellId, series, backend) {
      var li = featureItem(featureId, cellId);
      li.appendChild(el("div", shipping(featureId, series, backend).replace(/^ships/, "Ships") + "."));
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
      var found = { native: [], "needs-sync-to-async": [], absent: [], diverges: [], unsupported: [], production: [], unmeasured: [] };
      var addOn = DATA.add_on_backends.indexOf(backend) >= 0;
      DATA.feature_order.forEach(function (featureId) {
        var feature = DATA.features[featureId];
        // an add-on's own API is not stock Django's: never listed for a stock backend
        if (!addOn && feature.add_on && feature.add_on.length) return;
        var verdict = feature.cells[cellId].verdict;
        if (feature.area === "production") found.production.push(badgedItem(featureId, cellId, verdict));
        else if (verdict === "native") found.native.push(featureItem(featureId, cellId));
        else if (verdict === "needs-sync-to-async") found[verdict].push(syncToAsyncItem(featureId, cellId, series, backend));
        else if (verdict === "absent") found.absent.push(absentItem(featureId, cellId, series, backend));
        else if (verdict === "diverges") found.diverges.push(divergesItem(featureId, cellId, series, backend));
        else if (verdict === "unsupported") found.unsupported.push(featureItem(featureId, cellId));
        else found.unmeasured.push(badgedItem(featureId, cellId, verdict));
      });
      group(setupAnswer, "native", "Native, await it directly", found.native, true);
      group(setupAnswer, "needs-sync-to-async", "Needs sync_to_async", found["needs-sync-to-async"], false);
      group(setupAnswer, "absent", "Absent", found.absent, false);
      group(setupAnswer, "diverges", "Diverges from its sync twin", found.diverges, false);
      group(setupAnswer, "unsupported", "Unsupported (neither the direct nor the wrapped form works)", found.unsupported, false);
      if (found.production.length) group(setupAnswer, "native", "Production measurements (under an ASGI server; see Async in production)", found.production, true, "production");
      if (found.unmeasured.length) group(setupAnswer, "skipped", "Not measured here (skipped, error or not run)", found.unmeasured, true);
    }

    function badgedItem(featureId, cellId, verdict) {
      // A feature whose verdict the group does not say: its badge first.
      var item = featureItem(featureId, cellId);
      item.insertBefore(document.createTextNode(" "), item.firstChild);
      item.insertBefore(badge(verdict), item.firstChild);
      return item;
    }

    function changeKind(oldVerdict, newVerdict) {
      // The same rule as the baseline diff's change_kind, which the page embeds as a table.
      return DATA.change_kinds.by_pair[oldVerdict + ">" + newVerdict] || "other";
    }

    function releaseChanges(from, to) {
      // Every feature whose verdict differs between two releases, by kind: one change where
      // every backend measured in both agrees, else one per distinct change, naming its backends.
      var byKind = {};
      DATA.change_kinds.order.forEach(function (kind) { byKind[kind.kind] = []; });
      DATA.feature_order.forEach(function (featureId) {
        var cells = DATA.features[featureId].cells;
        var compared = 0, changes = {};
        DATA.backend_order.forEach(function (backend) {
          var before = cellIds[from + "|" + backend], after = cellIds[to + "|" + backend];
          if (!before || !after) return;
          compared += 1;
          var old = cells[before].verdict, now = cells[after].verdict;
          if (old === now) return;
          var key = old + ">" + now;
          if (!changes[key]) changes[key] = { feature: featureId, old: old, now: now, backends: [], before: before, after: after };
          changes[key].backends.push(backend);
        });
        Object.keys(changes).forEach(function (key) {
          var change = changes[key];
          change.everywhere = change.backends.length === compared && compared > 1;
          byKind[changeKind(change.old, change.now)].push(change);
        });
      });
      return byKind;
    }

    function changeItem(change) {
      var li = el("li");
      li.appendChild(link(DATA.features[change.feature].title, "#feature-" + change.feature));
      li.appendChild(document.createTextNode(change.everywhere ? " on every backend: " : " on " + change.backends.map(backendLabel).join(", ") + ": "));
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

    // The kinds whose reason a reader needs at once: what the new release does instead.
    var WHY_KINDS = ["regression", "arrives-diverging", "new-divergence"];

    function addReason(li, change) {
      // The reason the new release's check gives (the exception, or the hook that stopped
      // running), from its evidence, inflated on demand.
      var reason = el("div", "Why: reading the evidence…", "reason");
      li.appendChild(reason);
      evidenceChunk(DATA.features[change.feature].chunk).then(function (chunk) {
        var found = cellEvidence(chunk, change.feature, change.after) || { notes: [], checks: [] };
        // The exception itself, named with its message, before any note: "the async call and
        // its sync twin raised differently" says nothing a reader can act on.
        var ordered = found.checks.filter(function (check) { return check.verdict === change.now; })
          .concat(found.checks.filter(function (check) { return check.verdict !== change.now; }));
        var raised = null, said = found.notes[0];
        ordered.forEach(function (check) { raised = raised || raisedReason(check.evidence); });
        found.checks.forEach(function (check) { said = said || (check.evidence && check.evidence.reason) || check.notes[0]; });
        // A note that only says the sides differ gives way to the exception, keeping what it
        // adds (the hooks that ran, what to do instead); a note that names its cause stays.
        var generic = !said || GENERIC_REASON.test(said);
        var why = raised && generic ? [raised, (said || "").replace(GENERIC_REASON, "")].filter(Boolean).join("; ") : said;
        reason.textContent = "Why: " + visible(why || "no reason recorded; see the evidence");
      });
    }

    // The lead of a divergence's note that only says the two sides differ.
    var GENERIC_REASON = /^the async call and its sync twin [a-z ]*differently(?:;\s*|$)/;

    var REASON_CLIP = 200; // characters of a message or a value in a reason

    function raisedReason(ev) {
      // "AsyncPaginator(...).acount() raised TypeError: object of type 'Manager' has no len();
      // its sync twin returned (4, None)", when either side raised; else null.
      if (!ev || !ev.observed) return null;
      var twin = ev.sync_twin;
      if (ev.observed.kind !== "exception" && !(twin && twin.kind === "exception")) return null;
      function outcome(found) {
        var text = found.kind === "exception"
          ? "raised " + String(found.type || "?").split(".").pop() + (found.message === null || found.message === undefined ? " " + found.repr : ": " + found.message)
          : "returned " + found.repr;
        return text.length > REASON_CLIP ? text.slice(0, REASON_CLIP) + "…" : text;
      }
      var call = ev.example ? String(ev.example).split("  # ")[0] : "the async call";
      if (call.length > REASON_CLIP) call = "the async call";
      return call + " " + outcome(ev.observed) + (twin ? "; its sync twin " + outcome(twin) : "");
    }

    function renderCompare(from, to, malformed) {
      // `malformed`: the URL's compare as written, when it is not "from..to".
      compareAnswer.textContent = "";
      var refusal = null;
      if (!malformed && (!from || !to)) { compareAnswer.appendChild(compareHint); return; }
      var unknown = malformed ? [] : [from, to].filter(function (series) { return DATA.releases.indexOf(series) < 0; });
      if (malformed) refusal = "“" + visible(malformed) + "” is not a range of releases: write it as from..to, such as " + DATA.releases.slice(-2).join("..") + ", or pick releases from the lists (" + DATA.releases.join(", ") + ").";
      else if (unknown.length) refusal = "This report has no results for Django " + visible(unknown.join(" or ")) + ": pick releases from the lists (" + DATA.releases.join(", ") + ").";
      else if (from === to) refusal = "From and To are the same release (" + from + "): pick an earlier From.";
      else if (isLater(from, to)) refusal = "From (" + from + ") is later than To (" + to + "): a comparison runs from the earlier release to the later one. Compare " + to + ".." + from + " instead.";
      if (refusal) {
        var refused = el("p", refusal, "bad");
        refused.setAttribute("role", "alert");
        compareAnswer.appendChild(refused);
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
        changes.forEach(function (change) {
          var li = changeItem(change);
          if (WHY_KINDS.indexOf(kind.kind) >= 0) addReason(li, change);
          list.appendChild(li);
        });
        compareAnswer.appendChild(list);
      });
      compareAnswer.insertBefore(el("p", total ? "From Django " + from + " to " + to + ", " + total + " feature change" + (total > 1 ? "s" : "") + " (one line where every backend agrees):" : "No feature changes verdict from Django " + from + " to " + to + "."), compareAnswer.firstChild);
    }

    function readQuery() {
      // The URL's choices into the controls and the answers; an unknown value still gets an answer
      // that says so.
      var query = new URLSearchParams(location.search);
      var series = query.get("django") || "", backend = query.get("db") || "";
      var compare = query.get("compare") || "";
      var span = compare.split("..");
      // "5.2", "5.1..", "4.1..5.0..5.2": refused in words, never silently ignored
      var ranged = span.length === 2 && span[0] && span[1];
      picks.django.value = series;
      picks.db.value = backend;
      picks.from.value = ranged ? span[0] : "";
      picks.to.value = ranged ? span[1] : "";
      readFilters(query);
      renderSetup(series, backend);
      renderCompare(ranged ? span[0] : "", ranged ? span[1] : "", compare && !ranged ? compare : null);
    }

    function writeQuery() {
      // The controls' choices into the URL, so the page can be bookmarked or shared as it is.
      var query = new URLSearchParams(location.search);
      [["django", picks.django.value], ["db", picks.db.value]].forEach(function (pair) {
        if (pair[1]) query.set(pair[0], pair[1]); else query.delete(pair[0]);
      });
      if (picks.from.value && picks.to.value) query.set("compare", picks.from.value + ".." + picks.to.value);
      else query.delete("compare");
      replaceQuery(query);
      renderSetup(picks.django.value, picks.db.value);
      renderCompare(picks.from.value, picks.to.value);
    }

    function measureMatrixHead() {
      // A permalinked row scrolls to just below the matrix's sticky header and area label.
      var head = matrix.firstElementChild.offsetHeight;
      var area = matrix.querySelector(".area");
      matrix.style.setProperty("--matrix-head", head + "px");
      matrix.style.setProperty("--matrix-top", head + (area ? area.offsetHeight : 0) + "px");
    }

    var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&#34;", "'": "&#39;" };

    function escaped(text) {
      // Text as Jinja escapes it in the server-rendered markup.
      return String(text).replace(/[&<>"']/g, function (c) { return ESCAPES[c]; });
    }

    function expandRows(payload) {
      // render.py's `row_templates` undone: each row's template with its feature's title, id,
      // member name and twin's name (from the data, escaped as the markup has them) where the
      // stand-ins (\x02 to \x05) stand. A row's feature is its place in the data's feature_order
      // (-1: a row sent as it is).
      return payload.parts.map(function (part) {
        return part[0] + part[1].map(function (row) {
          var template = payload.templates[row[0]];
          if (row[1] < 0) return template;
          var featureId = DATA.feature_order[row[1]];
          var marks = {
            "\x02": escaped(visible(DATA.features[featureId].title)),
            "\x03": escaped(featureId),
            "\x04": member(escaped(featureId)),
            "\x05": twin(escaped(featureId))
          };
          return template.replace(/[\x02-\x05]/g, function (mark) { return marks[mark]; });
        }).join("");
      });
    }

    function insertDeferred(holders, inflated) {
      // Markup the page inserts once it has loaded (render.py's `deferred`): the matrix's later
      // areas (as row templates) and the sections below it, where each compressed part stood,
      // one part per task so a reader's click is handled between them.
      var tasks = [];
      holders.forEach(function (holder, index) {
        var parts = Array.isArray(inflated[index]) ? inflated[index] : expandRows(inflated[index]);
        parts.forEach(function (part) { tasks.push([holder, part]); });
      });
      return new Promise(function (resolve) {
        (function next() {
          var task = tasks.shift();
          if (!task) {
            holders.forEach(function (holder) { holder.remove(); });
            resolve();
            return;
          }
          task[0].insertAdjacentHTML("beforebegin", task[1]);
          setTimeout(next, 0);
        })();
      });
    }

    function findRows() {
      rows = Array.prototype.slice.call(matrix.querySelectorAll(".g > [role=row]:not(.ev)"));
    }

    var parsed = new Promise(function (resolve) {
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve);
      else resolve();
    });
    window.addEventListener("resize", measureMatrixHead);
    loaded.catch(function (error) {
      notify("This page's data could not be read (" + error + "): open it in a current browser, or render it again with python -m conformance.report.");
    });
    var holders = null;
    parsed.then(function () {
      findRows();
      setTabStop(firstCell());
      measureMatrixHead();
      holders = Array.prototype.slice.call(document.querySelectorAll("script[data-deferred]"));
      return Promise.all([
        loaded,
        inflate(document.getElementById("search-data")),
        Promise.all(holders.map(inflate))
      ]);
    }).then(function (inflated) {
      search = inflated[1];
      return insertDeferred(holders, inflated[2]);
    }).then(function () {
      findRows();
      Object.keys(DATA.cells).forEach(function (id) {
        cellIds[DATA.cells[id].django_series + "|" + DATA.cells[id].backend] = id;
      });
      document.getElementById("setup").addEventListener("change", writeQuery);
      document.getElementById("compare").addEventListener("change", writeQuery);
      readQuery();
      applyFilters();
      if (!currentKey) route(true); // a cell opened while loading stays open
      document.documentElement.setAttribute("data-ready", "");
    });
  }
})();
