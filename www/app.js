/*
 * app.js - the status page: reads the same API other tools use
 * (/api/v2/summary.json, /api/v1/uptime.json, /api/v1/availability) and
 * draws it. Every text goes through textContent or setAttribute, never
 * innerHTML: names come from the configuration and are free text.
 */
"use strict";

var REFRESH_MS = 30000;
var STATUS_TEXT = {
  operational: "Operational",
  degraded_performance: "Degraded performance",
  partial_outage: "Partial outage",
  major_outage: "Major outage",
  under_maintenance: "Under maintenance"
};

function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function getJSON(url) {
  return fetch(url, { cache: "no-store" }).then(function (r) {
    if (!r.ok) throw new Error(url + ": HTTP " + r.status);
    return r.json();
  });
}

function duration(s) {
  s = Math.round(s);
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min";
  if (s < 86400) return Math.floor(s / 3600) + " h " + Math.floor(s % 3600 / 60) + " min";
  return Math.floor(s / 86400) + " d " + Math.floor(s % 86400 / 3600) + " h";
}

function pct(v, digits) {
  return v === null || v === undefined ? "no data" : v.toFixed(digits === undefined ? 3 : digits) + " %";
}

/* A time in the visitor's zone, and in the SLA's zone when that differs. */
function when(iso, zone) {
  var d = new Date(iso);
  var opts = { weekday: "short", year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
  var local = d.toLocaleString(undefined, opts);
  var here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || zone === here) return local;
  var z = Object.assign({}, opts, { timeZone: zone });
  var sla;
  try { sla = d.toLocaleString(undefined, z); } catch (e) { return local; }
  return local + " (" + sla + ", " + zone + ")";
}

function drawOverall(s) {
  var o = document.getElementById("overall");
  o.className = "overall " + s.status.indicator;
  o.textContent = s.status.description;
  document.getElementById("page-name").textContent = s.page.name + " status";
  document.title = s.page.name + " status: " + s.status.description;
}

function barTip(day, b) {
  var t = day.date + ": ";
  if (b.availability === null) {
    t += b.maintenance_s > 0 ? "maintenance only" : "no data";
  } else {
    t += b.availability.toFixed(3) + " % available";
    if (b.down_s > 0) t += ", " + duration(b.down_s) + " unplanned downtime";
  }
  if (b.maintenance_s > 0 && b.availability !== null) t += ", " + duration(b.maintenance_s) + " maintenance";
  if (b.unknown_s > 0 && b.availability !== null) t += ", " + duration(b.unknown_s) + " without data";
  return t;
}

function drawBars(card, comp, uptime) {
  var u = null, i;
  if (uptime) for (i = 0; i < uptime.components.length; i++)
    if (uptime.components[i].id === comp.id) u = uptime.components[i];
  var bars = el("div", "bars");
  bars.setAttribute("role", "list");
  bars.setAttribute("aria-label", "Daily availability, last " + (uptime ? uptime.days.length : 0) + " days");
  var tip = el("div", "tip");
  var up = 0, down = 0;
  if (u) for (i = 0; i < u.days.length; i++) {
    var b = u.days[i], text = barTip(uptime.days[i], b);
    var bar = el("div", "bar " + b.status);
    bar.setAttribute("title", text);
    bar.setAttribute("role", "listitem");
    bar.setAttribute("tabindex", "0");
    bar.setAttribute("aria-label", text);
    bar.addEventListener("mouseenter", (function (t) { return function () { tip.textContent = t; }; })(text));
    bar.addEventListener("focus", (function (t) { return function () { tip.textContent = t; }; })(text));
    bars.appendChild(bar);
    up += b.up_s; down += b.down_s;
  }
  card.appendChild(bars);
  var scale = el("div", "bar-scale");
  scale.appendChild(el("span", null, (u ? u.days.length : 0) + " days ago"));
  scale.appendChild(el("span", null, up + down > 0 ? pct(100 * up / (up + down)) + " uptime" : "no data"));
  scale.appendChild(el("span", null, "today"));
  card.appendChild(scale);
  card.appendChild(tip);
}

function drawComponents(s, uptime) {
  var root = document.getElementById("components");
  clear(root);
  s.components.forEach(function (c) {
    var card = el("div", "card component");
    card.setAttribute("data-component", c.id);
    var head = el("div", "component-head");
    head.appendChild(el("span", "component-name", c.name));
    head.appendChild(el("span", "status " + c.status, STATUS_TEXT[c.status] || c.status));
    card.appendChild(head);
    drawBars(card, c, uptime);
    if (c.targets && c.targets.length) {
      var det = el("details");
      det.appendChild(el("summary", null, c.targets.length + (c.targets.length === 1 ? " check" : " checks")));
      var ul = el("ul");
      c.targets.forEach(function (t) {
        var li = el("li");
        li.appendChild(el("span", null, t.name + " (" + t.type + "): "));
        li.appendChild(el("span", "state-" + t.state, t.state));
        if (t.latency_ms !== null) li.appendChild(el("span", "muted", ", " + t.latency_ms.toFixed(1) + " ms"));
        if (t.reason) li.appendChild(el("span", "muted", ", " + t.reason));
        li.appendChild(document.createTextNode(" "));
        var a = el("a", null, "graph");
        a.setAttribute("href", t.graph + "?range=7d");
        li.appendChild(a);
        ul.appendChild(li);
      });
      det.appendChild(ul);
      card.appendChild(det);
    }
    root.appendChild(card);
  });
}

function drawIncidents(s) {
  var root = document.getElementById("incidents");
  clear(root);
  document.getElementById("incidents-section").hidden = s.incidents.length === 0;
  s.incidents.forEach(function (inc) {
    var card = el("div", "card incident " + inc.impact);
    card.appendChild(el("h3", null, inc.name));
    card.appendChild(el("div", "muted", "Since " + when(inc.started_at, s.page.time_zone) +
      (inc.down_s ? " (" + duration(inc.down_s) + ")" : "")));
    inc.incident_updates.forEach(function (u) {
      var p = el("p", "update");
      p.appendChild(el("b", null, u.status));
      p.appendChild(document.createTextNode(" \u2014 " + u.body + " "));
      p.appendChild(el("span", "muted", when(u.created_at, null)));
      card.appendChild(p);
    });
    root.appendChild(card);
  });
}

function drawMaintenance(s) {
  var root = document.getElementById("maintenance");
  clear(root);
  var list = s.scheduled_maintenances.slice(0, 8);
  if (list.length === 0) {
    root.appendChild(el("p", "muted", "None scheduled in the next 30 days."));
    return;
  }
  list.forEach(function (m) {
    var card = el("div", "card maint");
    card.appendChild(el("h3", null, m.name + (m.status === "in_progress" ? " (in progress)" : "")));
    card.appendChild(el("div", null, when(m.scheduled_for, s.page.time_zone)));
    card.appendChild(el("div", "muted", "until " + when(m.scheduled_until, s.page.time_zone)));
    var body = m.incident_updates.length ? m.incident_updates[0].body : "";
    card.appendChild(el("p", "update" + (m.announced && !m.short_notice ? "" : " short"), body));
    if (m.components.length)
      card.appendChild(el("div", "muted", "Affects: " + m.components.map(function (c) { return c.name; }).join(", ")));
    root.appendChild(card);
  });
}

function drawAvailability(rep) {
  var root = document.getElementById("availability");
  clear(root);
  if (!rep || !rep.components) {
    root.appendChild(el("p", "muted", "No stored data yet."));
    return;
  }
  var wrap = el("div", "table-wrap");
  var t = el("table");
  var head = el("tr");
  [["Component", ""], ["Availability", "num"], ["SLO", "num"], ["Unplanned", "num hide-narrow"],
   ["Budget left", "num hide-narrow"]].forEach(function (h) { head.appendChild(el("th", h[1], h[0])); });
  t.appendChild(head);
  rep.components.forEach(function (c) {
    var tr = el("tr");
    tr.appendChild(el("td", null, c.name));
    tr.appendChild(el("td", "num " + (c.slo_met === true ? "met" : c.slo_met === false ? "missed" : ""),
      pct(c.availability)));
    tr.appendChild(el("td", "num", c.slo + " %"));
    tr.appendChild(el("td", "num hide-narrow", duration(c.down_s)));
    tr.appendChild(el("td", "num hide-narrow", c.error_budget_left_s === undefined ? "" :
      (c.error_budget_left_s < 0 ? "\u2212" : "") + duration(Math.abs(c.error_budget_left_s))));
    t.appendChild(tr);
  });
  wrap.appendChild(t);
  root.appendChild(wrap);
  root.appendChild(el("p", "muted", "Month " + rep.month + " in " + rep.timezone + "."));
}

function refresh() {
  var opt = function (p) { return p.catch(function () { return null; }); };
  Promise.all([getJSON("/api/v2/summary.json"), opt(getJSON("/api/v1/uptime.json")),
    opt(getJSON("/api/v1/availability"))]).then(function (r) {
    var s = r[0];
    drawOverall(s);
    drawIncidents(s);
    drawComponents(s, r[1]);
    drawMaintenance(s);
    drawAvailability(r[2]);
    document.getElementById("updated").textContent = "Updated " + when(s.page.updated_at, null);
    document.body.setAttribute("data-loaded", "1");
  }).catch(function (e) {
    var o = document.getElementById("overall");
    o.className = "overall loading";
    o.textContent = "The status cannot be loaded right now (" + e.message + ").";
  }).then(function () { setTimeout(refresh, REFRESH_MS); });
}

refresh();
