/*
 * app.js - the status page: reads the same API other tools use
 * (/api/v2/summary.json, /api/v1/uptime.json, /api/v1/history.json,
 * /api/v1/latency.json, /api/v1/availability, /api/v1/page.json) and draws
 * it. Three views on one page: the status (/), the incident history by
 * month (/history) and one incident (/incidents/<id>).
 *
 * Every text goes through textContent or setAttribute, never innerHTML:
 * names come from the configuration and are free text. Nothing sets a
 * style attribute from markup: the Content-Security-Policy allows no
 * inline style; positions are set through the CSSOM, which it allows.
 */
"use strict";

var REFRESH_MS = 30000;
var PAST_DAYS = 15;
var SVGNS = "http://www.w3.org/2000/svg";
var STATUS_TEXT = {
  operational: "Operational",
  degraded_performance: "Degraded performance",
  partial_outage: "Partial outage",
  major_outage: "Major outage",
  under_maintenance: "Under maintenance"
};
var UPDATE_TEXT = {
  investigating: "Investigating", identified: "Identified", monitoring: "Monitoring",
  resolved: "Resolved", postmortem: "Postmortem", scheduled: "Scheduled",
  in_progress: "In progress", verifying: "Verifying", completed: "Completed"
};
var RANGES = [["24h", "24 hours"], ["7d", "7 days"], ["30d", "30 days"], ["90d", "90 days"]];
var state = { zone: null, page: null, uptime: null, graphs: {} };

function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function svg(tag, attrs) {
  var e = document.createElementNS(SVGNS, tag);
  for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, String(attrs[k]));
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

var FMT_FULL = { weekday: "short", year: "numeric", month: "short", day: "numeric",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" };
var FMT_HM = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };

function fmt(d, opts, zone) {
  var o = Object.assign({}, opts);
  if (zone) o.timeZone = zone;
  try { return d.toLocaleString(undefined, o); } catch (e) { return d.toISOString(); }
}

/*
 * A time as the viewer reads it: in the viewer's own zone, once; the
 * configured zone on hover (title) when it differs.
 */
function timeEl(iso, opts) {
  var d = new Date(iso);
  var t = el("time", null, fmt(d, opts || FMT_FULL, null));
  t.setAttribute("datetime", iso);
  var here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (state.zone && state.zone !== here)
    t.setAttribute("title", fmt(d, FMT_FULL, state.zone) + " (" + state.zone + ")");
  else
    t.setAttribute("title", d.toISOString().replace(".000Z", "Z") + " (UTC)");
  return t;
}

function dayKey(d) {
  return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" +
    String(d.getDate()).padStart(2, "0");
}

/* --- branding ----------------------------------------------------------- */

function drawBranding(p) {
  state.page = p;
  state.zone = p.time_zone;
  document.getElementById("page-name").textContent = p.title;
  var logo = document.getElementById("logo");
  if (p.logo) {
    logo.setAttribute("src", p.logo);
    logo.setAttribute("alt", p.title + " logo");
    logo.hidden = false;
    /* the name stays for screen readers and when the logo does not load */
  }
  var link = document.getElementById("company-link");
  if (p.url) {
    link.setAttribute("href", p.url);
    link.setAttribute("rel", "noopener");
    link.hidden = false;
  }
  var sup = document.getElementById("support-link");
  if (p.support) {
    sup.setAttribute("href", p.support);
    sup.textContent = /^mailto:/.test(p.support) ? "Contact support" : "Support";
    sup.hidden = false;
  }
  var foot = document.getElementById("footer-text");
  if (p.footer) {
    foot.textContent = p.footer;
    foot.hidden = false;
  }
  var cal = document.getElementById("webcal");
  cal.setAttribute("href", "webcal://" + location.host + "/calendar.ics");
}

function drawOverall(s) {
  var o = document.getElementById("overall");
  o.className = "overall " + s.status.indicator;
  o.textContent = s.status.description;
  var title = state.page ? state.page.title : s.page.name;
  if (route().view === "status") document.title = title + ": " + s.status.description;
  /* the favicon follows the status; a new URL makes the browser fetch it again */
  document.getElementById("favicon").setAttribute("href", "/favicon.svg?s=" + s.status.indicator);
}

/* --- incidents and maintenance ------------------------------------------ */

function updateP(u) {
  var p = el("p", "update");
  p.appendChild(el("b", null, UPDATE_TEXT[u.status] || u.status));
  p.appendChild(document.createTextNode(" \u2014 " + u.body + " "));
  var m = el("span", "muted");
  m.appendChild(timeEl(u.created_at));
  p.appendChild(m);
  return p;
}

function incidentCard(inc, headTag, full) {
  var card = el("article", "card incident " + (inc.status === "resolved" ? "resolved " : "") + inc.impact);
  var h = el(headTag || "h3");
  var a = el("a", null, inc.name);
  a.setAttribute("href", "/incidents/" + inc.id);
  h.appendChild(a);
  card.appendChild(h);
  var ups = full ? inc.incident_updates : inc.incident_updates.slice(0, 3);
  ups.forEach(function (u) { card.appendChild(updateP(u)); });
  if (!full && inc.incident_updates.length > ups.length) {
    var more = el("a", "muted", "All " + inc.incident_updates.length + " updates");
    more.setAttribute("href", "/incidents/" + inc.id);
    card.appendChild(more);
  }
  return card;
}

function drawIncidents(s) {
  var root = document.getElementById("incidents");
  clear(root);
  document.getElementById("incidents-section").hidden = s.incidents.length === 0;
  s.incidents.forEach(function (inc) { root.appendChild(incidentCard(inc, "h3", true)); });
}

function affectedText(m) {
  var seen = {}, names = [];
  (m.affected || []).forEach(function (a) {
    if (!seen[a.component]) { seen[a.component] = 1; names.push(a.component); }
  });
  return names;
}

function maintCard(m, headTag) {
  var card = el("article", "card maint" + (m.status === "in_progress" ? " active" : ""));
  card.setAttribute("data-window", m.window || "");
  card.appendChild(el(headTag || "h3", null, m.name));
  var when = el("p", "when");
  when.appendChild(timeEl(m.scheduled_for));
  when.appendChild(document.createTextNode(" \u2013 "));
  var sameDay = dayKey(new Date(m.scheduled_for)) === dayKey(new Date(m.scheduled_until));
  when.appendChild(timeEl(m.scheduled_until, sameDay ? FMT_HM : FMT_FULL));
  card.appendChild(when);
  if (m.note) card.appendChild(el("p", null, m.note));
  var names = affectedText(m);
  if (names.length) {
    var aff = el("p", "affected");
    aff.appendChild(el("b", null, m.status === "in_progress" ? "In progress" : UPDATE_TEXT[m.status] || m.status));
    aff.appendChild(document.createTextNode(" \u2014 affected: " + names.join(", ") + ". "));
    (m.affected || []).forEach(function (a) {
      var s = el("span", "muted", a.target + " down from ");
      s.appendChild(timeEl(a.start, FMT_HM));
      s.appendChild(document.createTextNode(a.end ? " to " : ", not back yet"));
      if (a.end) s.appendChild(timeEl(a.end, FMT_HM));
      if (a.overran) s.appendChild(document.createTextNode(" (after the window: an incident)"));
      s.appendChild(document.createTextNode(". "));
      aff.appendChild(s);
    });
    card.appendChild(aff);
  }
  if (!m.announced || m.short_notice)
    card.appendChild(el("p", "update short", m.incident_updates.length ? m.incident_updates[0].body : ""));
  if (m.components.length)
    card.appendChild(el("p", "muted", "Components: " + m.components.map(function (c) { return c.name; }).join(", ")));
  return card;
}

/*
 * Occurrences of one recurring window are one card: "Nightly restart,
 * daily 02:00–02:05" in the viewer's zone, with the next occurrence.
 */
function recurrence(list) {
  var gaps = [];
  for (var i = 1; i < list.length; i++)
    gaps.push(new Date(list[i].scheduled_for) - new Date(list[i - 1].scheduled_for));
  var near = function (g, d) { return Math.abs(g - d) <= 3600e3; };
  var s = new Date(list[0].scheduled_for), e = new Date(list[0].scheduled_until);
  var hm = fmt(s, FMT_HM, null) + "\u2013" + fmt(e, FMT_HM, null);
  if (gaps.every(function (g) { return near(g, 86400e3); })) return "daily " + hm;
  var days = Math.round(gaps[0] / 86400e3);
  if (days > 0 && gaps.every(function (g) { return near(g, days * 86400e3); })) {
    if (days % 7 === 0)
      return (days === 7 ? "weekly" : "every " + days / 7 + " weeks") + " on " +
        fmt(s, { weekday: "long" }, null) + " " + hm;
    return "every " + days + " days " + hm;
  }
  return list.length + " times in the next 30 days, " + hm;
}

function summaryCard(list) {
  var m = list[0];
  var card = el("article", "card maint recurring");
  card.setAttribute("data-window", m.window || "");
  var h = el("h3", null, m.name + ", " + recurrence(list));
  card.appendChild(h);
  var next = el("p", "when", "Next: ");
  next.appendChild(timeEl(m.scheduled_for));
  card.appendChild(next);
  if (m.components.length)
    card.appendChild(el("p", "muted", "Components: " + m.components.map(function (c) { return c.name; }).join(", ")));
  return card;
}

function drawMaintenance(s) {
  var active = s.scheduled_maintenances.filter(function (m) { return m.status === "in_progress"; });
  var upcoming = s.scheduled_maintenances.filter(function (m) { return m.status === "scheduled"; });
  var root = document.getElementById("active");
  clear(root);
  document.getElementById("active-section").hidden = active.length === 0;
  active.forEach(function (m) { root.appendChild(maintCard(m)); });

  root = document.getElementById("maintenance");
  clear(root);
  if (upcoming.length === 0) {
    root.appendChild(el("p", "muted", "None scheduled in the next 30 days."));
    return;
  }
  var groups = {}, order = [];
  upcoming.forEach(function (m) {
    var key = m.recurring ? "w:" + m.window : "o:" + m.id;
    if (!groups[key]) { groups[key] = []; order.push(key); }
    groups[key].push(m);
  });
  /*
   * Short recurring windows (a nightly restart) or frequent ones are one
   * card; a long one that comes a few times a month is worth a card each.
   */
  var cards = [];
  order.forEach(function (k) {
    var g = groups[k];
    var long = new Date(g[0].scheduled_until) - new Date(g[0].scheduled_for) > 2 * 3600e3;
    if (g.length > 1 && (!long || g.length > 4)) cards.push([g[0].scheduled_for, summaryCard(g)]);
    else g.forEach(function (m) { cards.push([m.scheduled_for, maintCard(m)]); });
  });
  /* soonest first (RFC 3339 UTC sorts as text; sort is stable for equal starts) */
  cards.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
  cards.forEach(function (c) { root.appendChild(c[1]); });
}

/* --- past incidents by day ------------------------------------------------ */

function pastItems(hist) {
  var items = [];
  hist.incidents.forEach(function (i) {
    if (i.status === "resolved") items.push({ t: i.created_at, inc: i });
  });
  hist.scheduled_maintenances.forEach(function (m) {
    if (m.status === "completed") items.push({ t: m.scheduled_for, maint: m });
  });
  items.sort(function (a, b) { return a.t < b.t ? 1 : a.t > b.t ? -1 : 0; });
  return items;
}

function itemCard(it) {
  return it.inc ? incidentCard(it.inc, "h4", false) : maintCard(it.maint, "h4");
}

function drawPast(hist) {
  var root = document.getElementById("past");
  clear(root);
  var byDay = {};
  pastItems(hist).forEach(function (it) {
    var k = dayKey(new Date(it.t));
    (byDay[k] = byDay[k] || []).push(it);
  });
  var d = new Date();
  for (var i = 0; i < PAST_DAYS; i++) {
    var day = el("section", "day");
    var k = dayKey(d);
    day.setAttribute("data-day", k);
    day.appendChild(el("h3", "day-head", fmt(d, { year: "numeric", month: "long", day: "numeric" }, null)));
    if (byDay[k]) byDay[k].forEach(function (it) { day.appendChild(itemCard(it)); });
    else day.appendChild(el("p", "muted quiet", "No incidents reported."));
    root.appendChild(day);
    d = new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1, 12);
  }
}

/* --- components: bars and graphs ------------------------------------------ */

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

function uptimeOf(comp) {
  var u = state.uptime;
  if (u) for (var i = 0; i < u.components.length; i++)
    if (u.components[i].id === comp.id) return u.components[i];
  return null;
}

function drawBars(card, comp) {
  var u = uptimeOf(comp), uptime = state.uptime, i;
  var n = u ? u.days.length : 0, up = 0, down = 0, bad = 0;
  var bars = el("div", "bars");
  var tip = el("div", "tip");
  tip.setAttribute("aria-live", "polite");
  if (u) for (i = 0; i < n; i++) {
    var b = u.days[i], text = barTip(uptime.days[i], b);
    var bar = el("div", "bar " + b.status);
    bar.setAttribute("title", text);
    bar.setAttribute("data-tip", text);
    bars.appendChild(bar);
    up += b.up_s; down += b.down_s;
    if (b.down_s > 0) bad++;
  }
  /* one description for assistive technology instead of 90 stops */
  bars.setAttribute("role", "img");
  bars.setAttribute("aria-label", "Daily availability of " + comp.name + ", last " + n + " days: " +
    (up + down > 0 ? pct(100 * up / (up + down)) : "no data") + ", " + bad +
    (bad === 1 ? " day" : " days") + " with unplanned downtime");
  bars.addEventListener("mouseover", function (ev) {
    var t = ev.target.getAttribute && ev.target.getAttribute("data-tip");
    if (t) tip.textContent = t;
  });
  card.appendChild(bars);
  var scale = el("div", "bar-scale");
  scale.setAttribute("aria-hidden", "true");
  scale.appendChild(el("span", "wide-only", n + " days ago"));
  scale.appendChild(el("span", "narrow-only", Math.min(n, 30) + " days ago"));
  scale.appendChild(el("span", null, up + down > 0 ? pct(100 * up / (up + down)) + " uptime" : "no data"));
  scale.appendChild(el("span", null, "today"));
  card.appendChild(scale);
  card.appendChild(tip);
}

/* y-axis steps that read well: 1, 2, 5 x 10^k */
function niceMax(v) {
  if (!(v > 0)) return 10;
  var p = Math.pow(10, Math.floor(Math.log10(v))), m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function drawChart(box, data) {
  clear(box);
  /* drawn at the box's own width: a stretched viewBox would stretch the text */
  var W = Math.max(280, Math.round(box.getBoundingClientRect().width) || 720);
  var H = window.matchMedia("(max-width: 40rem)").matches ? 160 : 200, L = 48, R = 8, T = 10, B = 26;
  var n = data.down_s.length, max = 0;
  data.targets.forEach(function (t) { t.latency_ms.forEach(function (v) { if (v !== null && v > max) max = v; }); });
  var ymax = niceMax(max * 1.1);
  var s = svg("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, "class": "chart", role: "img" });
  var avg = [];
  data.targets.forEach(function (t) {
    var vals = t.latency_ms.filter(function (v) { return v !== null; });
    avg.push(t.name + " mean " + (vals.length ? (vals.reduce(function (a, b) { return a + b; }, 0) / vals.length).toFixed(1) + " ms" : "no data"));
  });
  s.setAttribute("aria-label", "Response time of " + data.name + " over the last " + data.range + ": " + avg.join("; "));
  var x = function (i) { return L + (W - L - R) * i / n; };
  var y = function (v) { return T + (H - T - B) * (1 - v / ymax); };
  s.appendChild(svg("rect", { x: L, y: T, width: W - L - R, height: H - T - B, "class": "plot" }));
  for (var i = 0; i < n; i++) {
    var cls = data.down_s[i] > 0 ? "band-down" : data.maintenance_s[i] > 0 ? "band-maint" : null;
    if (cls) s.appendChild(svg("rect", { x: x(i), y: T, width: Math.max(1, x(i + 1) - x(i)), height: H - T - B, "class": cls }));
  }
  for (var k = 0; k <= 4; k++) {
    var v = ymax * k / 4;
    s.appendChild(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), "class": "grid" }));
    var lab = svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", "class": "axis" });
    lab.textContent = (ymax >= 10 ? Math.round(v) : v.toFixed(1)) + " ms";
    s.appendChild(lab);
  }
  var t0 = new Date(data.start).getTime(), t1 = new Date(data.end).getTime();
  for (k = 0; k <= 4; k++) {
    var tt = new Date(t0 + (t1 - t0) * k / 4);
    var tl = svg("text", { x: L + (W - L - R) * k / 4, y: H - 8, "text-anchor": k === 0 ? "start" : k === 4 ? "end" : "middle", "class": "axis" });
    tl.textContent = data.range === "24h" ? fmt(tt, FMT_HM, null) : fmt(tt, { month: "short", day: "numeric" }, null);
    s.appendChild(tl);
  }
  data.targets.forEach(function (t, ti) {
    /* a bucket without a row of its own (hourly rows, shorter buckets) is bridged; a real gap is not */
    var d = "", pen = false, gap = 0;
    t.latency_ms.forEach(function (v, i2) {
      if (v === null) { if (++gap > 2) pen = false; return; }
      gap = 0;
      var px = (x(i2) + x(i2 + 1)) / 2;
      d += (pen ? "L" : "M") + px.toFixed(1) + " " + y(v).toFixed(1) + " ";
      pen = true;
    });
    if (d) s.appendChild(svg("path", { d: d, "class": "line line" + (ti % 4) }));
  });
  box.appendChild(s);
  var legend = el("ul", "chart-legend");
  data.targets.forEach(function (t, ti) {
    var li = el("li");
    li.appendChild(el("span", "swatch line" + (ti % 4)));
    li.appendChild(el("span", null, t.name));
    legend.appendChild(li);
  });
  [["band-down", "unplanned downtime"], ["band-maint", "maintenance"]].forEach(function (p) {
    var li = el("li");
    li.appendChild(el("span", "swatch " + p[0]));
    li.appendChild(el("span", null, p[1]));
    legend.appendChild(li);
  });
  box.appendChild(legend);
}

function drawDays(box, comp, range) {
  clear(box);
  var u = uptimeOf(comp);
  if (!u) return;
  var want = { "24h": 2, "7d": 7, "30d": 30, "90d": 90 }[range] || 7;
  var days = u.days.slice(-want), dates = state.uptime.days.slice(-want);
  box.appendChild(el("h4", null, "Uptime per day"));
  var ol = el("ol", "days days-" + want);
  days.forEach(function (b, i) {
    var li = el("li", "dayup " + b.status);
    li.setAttribute("title", barTip(dates[i], b));
    var v = el("span", "dayup-v", b.availability === null ? "\u2013" : b.availability.toFixed(2) + " %");
    var d = el("span", "dayup-d", dates[i].date.slice(5));
    li.appendChild(d);
    li.appendChild(v);
    ol.appendChild(li);
  });
  box.appendChild(ol);
}

function loadGraph(panel, comp, range) {
  state.graphs[comp.id] = range;
  panel.querySelectorAll("button[data-range]").forEach(function (b) {
    b.setAttribute("aria-pressed", b.getAttribute("data-range") === range ? "true" : "false");
  });
  var box = panel.querySelector(".chart-box"), days = panel.querySelector(".days-box");
  drawDays(days, comp, range);
  return getJSON("/api/v1/latency.json?component=" + encodeURIComponent(comp.id) + "&range=" + range)
    .then(function (data) { drawChart(box, data); box.setAttribute("data-drawn", range); })
    .catch(function (e) { clear(box); box.appendChild(el("p", "muted", "No graph: " + e.message)); });
}

function graphPanel(comp) {
  var det = el("details", "graphs");
  det.appendChild(el("summary", null, "Response time and uptime"));
  var panel = el("div", "graph-panel");
  var bar = el("div", "ranges");
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Period of the graph");
  RANGES.forEach(function (r) {
    var b = el("button", null, r[0]);
    b.setAttribute("type", "button");
    b.setAttribute("data-range", r[0]);
    b.setAttribute("title", "last " + r[1]);
    b.addEventListener("click", function () { loadGraph(panel, comp, r[0]); });
    bar.appendChild(b);
  });
  panel.appendChild(bar);
  panel.appendChild(el("div", "chart-box"));
  panel.appendChild(el("div", "days-box"));
  det.appendChild(panel);
  det.addEventListener("toggle", function () {
    if (det.open) loadGraph(panel, comp, state.graphs[comp.id] || "24h");
  });
  if (state.graphs[comp.id]) det.open = true;
  return det;
}

function componentCard(c) {
  var card = el("div", "card component");
  card.setAttribute("data-component", c.id);
  var head = el("div", "component-head");
  head.appendChild(el("h3", "component-name", c.name));
  head.appendChild(el("span", "status " + c.status, STATUS_TEXT[c.status] || c.status));
  card.appendChild(head);
  drawBars(card, c);
  card.appendChild(graphPanel(c));
  if (c.targets && c.targets.length) {
    var det = el("details", "checks");
    det.appendChild(el("summary", null, c.targets.length + (c.targets.length === 1 ? " check" : " checks")));
    var ul = el("ul");
    c.targets.forEach(function (t) {
      var li = el("li");
      li.appendChild(el("span", null, t.name + " (" + t.type + "): "));
      li.appendChild(el("span", "state-" + t.state, t.state));
      if (t.latency_ms !== null) li.appendChild(el("span", "muted", ", " + t.latency_ms.toFixed(1) + " ms"));
      if (t.reason) li.appendChild(el("span", "muted", ", " + t.reason));
      li.appendChild(document.createTextNode(" "));
      var a = el("a", null, "rrdtool graph");
      a.setAttribute("href", t.graph + "?range=7d");
      li.appendChild(a);
      ul.appendChild(li);
    });
    det.appendChild(ul);
    card.appendChild(det);
  }
  return card;
}

function drawComponents(s) {
  var root = document.getElementById("components");
  var open = {};
  root.querySelectorAll("details.graphs[open]").forEach(function (d) {
    open[d.parentNode.getAttribute("data-component")] = true;
  });
  clear(root);
  var byId = {};
  s.components.forEach(function (c) { byId[c.id] = c; });
  s.components.forEach(function (c) {
    if (c.group_id) return; /* drawn inside its group */
    if (!c.group) { root.appendChild(componentCard(c)); return; }
    var g = el("section", "group");
    var head = el("div", "component-head group-head");
    head.appendChild(el("h3", "group-name", c.name));
    head.appendChild(el("span", "status " + c.status, STATUS_TEXT[c.status] || c.status));
    g.appendChild(head);
    (c.components || []).forEach(function (id) { if (byId[id]) g.appendChild(componentCard(byId[id])); });
    root.appendChild(g);
  });
}

function drawAvailability(rep, s) {
  var root = document.getElementById("availability");
  clear(root);
  if (!rep || !rep.components) {
    root.appendChild(el("p", "muted", "No stored data yet."));
    return;
  }
  var shown = {};
  s.components.forEach(function (c) { shown[c.name] = true; });
  var wrap = el("div", "table-wrap");
  var t = el("table");
  var cap = el("caption", "sr-only", "Availability of each component this month");
  t.appendChild(cap);
  var head = el("tr");
  [["Component", ""], ["Availability", "num"], ["SLO", "num"], ["Unplanned", "num hide-narrow"],
   ["Budget left", "num hide-narrow"]].forEach(function (h) {
    var th = el("th", h[1], h[0]);
    th.setAttribute("scope", "col");
    head.appendChild(th);
  });
  t.appendChild(head);
  rep.components.forEach(function (c) {
    if (!shown[c.name]) return; /* hidden on the page */
    var tr = el("tr");
    var th = el("th", null, c.name);
    th.setAttribute("scope", "row");
    tr.appendChild(th);
    tr.appendChild(el("td", "num " + (c.slo_met === true ? "met" : c.slo_met === false ? "missed" : ""),
      pct(c.availability)));
    tr.appendChild(el("td", "num", c.slo + " %"));
    tr.appendChild(el("td", "num hide-narrow", duration(c.down_s)));
    // the whole month's budget less what was spent; null without data
    tr.appendChild(el("td", "num hide-narrow", c.error_budget_left_s === undefined ? "" :
      c.error_budget_left_s === null ? "no data" :
      (c.error_budget_left_s < 0 ? "\u2212" : "") + duration(Math.abs(c.error_budget_left_s))));
    t.appendChild(tr);
  });
  wrap.appendChild(t);
  root.appendChild(wrap);
  root.appendChild(el("p", "muted", "Month " + rep.month + " in " + rep.timezone + "."));
}

/* --- history by month and one incident ------------------------------------ */

function drawHistory(hist) {
  var root = document.getElementById("view-history");
  clear(root);
  var items = pastItems(hist);
  var months = {}, order = [];
  items.forEach(function (it) {
    var d = new Date(it.t), k = d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0");
    if (!months[k]) { months[k] = []; order.push(k); }
    months[k].push(it);
  });
  /* every month back to the start of the data, quiet ones too */
  var start = new Date(hist.start || new Date()), cur = new Date();
  var all = [];
  for (var d = new Date(cur.getFullYear(), cur.getMonth(), 1);
       d >= new Date(start.getFullYear(), start.getMonth(), 1);
       d = new Date(d.getFullYear(), d.getMonth() - 1, 1))
    all.push([d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0"), new Date(d)]);
  all.forEach(function (m) {
    var sec = el("section", "month");
    sec.setAttribute("data-month", m[0]);
    sec.appendChild(el("h2", null, fmt(m[1], { year: "numeric", month: "long" }, null)));
    var list = months[m[0]] || [];
    if (list.length === 0) sec.appendChild(el("p", "muted quiet", "No incidents reported."));
    list.forEach(function (it) { sec.appendChild(itemCard(it)); });
    root.appendChild(sec);
  });
  var back = el("p");
  var a = el("a", null, "\u2190 Current status");
  a.setAttribute("href", "/");
  back.appendChild(a);
  root.appendChild(back);
}

function timelineRow(tl, from, to, t) {
  var row = el("div", "tl-row");
  row.appendChild(el("span", "tl-name", t.seen_from ? t.target + " (seen from " + t.seen_from + ")" : t.target));
  var track = el("div", "tl-track");
  var pos = function (iso) { return (new Date(iso) - from) / (to - from) * 100; };
  var end = t.end ? t.end : new Date().toISOString();
  var seg = function (a, b, cls) {
    var s = el("span", "tl-seg " + cls);
    s.style.left = pos(a).toFixed(2) + "%";
    s.style.width = Math.max(0.5, pos(b) - pos(a)).toFixed(2) + "%";
    track.appendChild(s);
  };
  if (t.unplanned_from > t.start) seg(t.start, t.unplanned_from, "maint");
  seg(t.unplanned_from, end, "down");
  track.setAttribute("aria-hidden", "true");
  row.appendChild(track);
  tl.appendChild(row);
}

function drawIncident(inc) {
  var root = document.getElementById("view-incident");
  clear(root);
  document.getElementById("view-title").textContent = inc.name;
  document.title = inc.name + " \u2013 " + (state.page ? state.page.title : "status");
  var meta = el("p", "muted");
  meta.appendChild(document.createTextNode((UPDATE_TEXT[inc.status] || inc.status) + " \u00b7 impact " + inc.impact + " \u00b7 started "));
  meta.appendChild(timeEl(inc.started_at));
  if (inc.resolved_at) {
    meta.appendChild(document.createTextNode(" \u00b7 resolved "));
    meta.appendChild(timeEl(inc.resolved_at));
  }
  root.appendChild(meta);
  root.appendChild(el("h2", null, "Updates"));
  var ups = el("div", "card incident " + inc.impact);
  inc.incident_updates.forEach(function (u) { ups.appendChild(updateP(u)); });
  root.appendChild(ups);
  root.appendChild(el("h2", null, "Timeline per check"));
  var first = null, last = null;
  inc.targets.forEach(function (t) {
    var a = new Date(t.start), b = t.end ? new Date(t.end) : new Date();
    if (!first || a < first) first = a;
    if (!last || b > last) last = b;
  });
  inc.windows.forEach(function (w) {
    var a = new Date(w.start), b = new Date(w.end);
    if (a < first) first = a;
    if (b > last && b < new Date()) last = b;
  });
  var pad = Math.max(60e3, (last - first) * 0.05);
  var from = new Date(first.getTime() - pad), to = new Date(last.getTime() + pad);
  var tl = el("div", "timeline");
  inc.targets.forEach(function (t) { timelineRow(tl, from, to, t); });
  root.appendChild(tl);
  var key = el("p", "legend tl-key");
  [["up", "up"], ["maintenance", "down inside announced maintenance"], ["down", "down, unplanned"]].forEach(function (k) {
    var li = el("span", "li");
    li.appendChild(el("span", "key " + k[0]));
    li.appendChild(document.createTextNode(k[1]));
    key.appendChild(li);
  });
  root.appendChild(key);
  var tb = el("table");
  tb.appendChild(el("caption", "sr-only", "Timeline of each check in this incident"));
  var hr = el("tr");
  ["Check", "Down from", "Unplanned from", "Back up", "Unplanned", "In maintenance"].forEach(function (h) {
    var th = el("th", null, h);
    th.setAttribute("scope", "col");
    hr.appendChild(th);
  });
  tb.appendChild(hr);
  inc.targets.forEach(function (t) {
    var tr = el("tr");
    var th = el("th", null, t.target);
    th.setAttribute("scope", "row");
    tr.appendChild(th);
    [t.start, t.unplanned_from, t.end].forEach(function (v) {
      var td = el("td");
      if (v) td.appendChild(timeEl(v)); else td.textContent = "not yet";
      tr.appendChild(td);
    });
    tr.appendChild(el("td", "num", t.unplanned_s === null ? "\u2013" : duration(t.unplanned_s)));
    tr.appendChild(el("td", "num", t.maintenance_s === null ? "\u2013" : duration(t.maintenance_s)));
    tb.appendChild(tr);
  });
  var wrap = el("div", "table-wrap");
  wrap.appendChild(tb);
  root.appendChild(wrap);
  root.appendChild(el("h2", null, "Maintenance windows it touched"));
  if (inc.windows.length === 0) root.appendChild(el("p", "muted", "None: all of it was unplanned."));
  else {
    var ul = el("ul", "windows");
    inc.windows.forEach(function (w) {
      var li = el("li", null, w.name + ": ");
      li.appendChild(timeEl(w.start));
      li.appendChild(document.createTextNode(" \u2013 "));
      li.appendChild(timeEl(w.end));
      ul.appendChild(li);
    });
    root.appendChild(ul);
  }
  var back = el("p");
  var a = el("a", null, "\u2190 Current status");
  a.setAttribute("href", "/");
  back.appendChild(a);
  root.appendChild(back);
}

/* --- the views ------------------------------------------------------------- */

function route() {
  var m = /^\/incidents\/([0-9a-z]{12})$/.exec(location.pathname);
  if (m) return { view: "incident", id: m[1] };
  if (location.pathname === "/history") return { view: "history" };
  return { view: "status" };
}

function show(view) {
  document.getElementById("view-status").hidden = view !== "status";
  document.getElementById("view-history").hidden = view !== "history";
  document.getElementById("view-incident").hidden = view !== "incident";
}

function loaded() {
  document.getElementById("updated").textContent = "Updated " + fmt(new Date(), FMT_FULL, null);
  document.body.setAttribute("data-loaded", "1");
}

function refresh() {
  var r = route();
  var opt = function (p) { return p.catch(function () { return null; }); };
  var work;
  show(r.view);
  if (r.view === "incident") {
    work = Promise.all([getJSON("/api/v2/summary.json"), opt(getJSON("/api/v2/incidents/" + r.id + ".json"))])
      .then(function (x) {
        drawOverall(x[0]);
        if (x[1]) { drawIncident(x[1].incident); return; }
        var root = document.getElementById("view-incident");
        clear(root);
        document.getElementById("view-title").textContent = "No such incident";
        root.appendChild(el("p", null, "There is no incident " + r.id + " in the history of this page."));
        var a = el("a", null, "Incident history");
        a.setAttribute("href", "/history");
        root.appendChild(a);
      });
  } else if (r.view === "history") {
    document.getElementById("view-title").textContent = "Incident history";
    work = Promise.all([getJSON("/api/v2/summary.json"), getJSON("/api/v1/history.json")])
      .then(function (x) {
        drawOverall(x[0]);
        document.title = "Incident history \u2013 " + (state.page ? state.page.title : x[0].page.name);
        drawHistory(x[1]);
      });
  } else {
    work = Promise.all([getJSON("/api/v2/summary.json"), opt(getJSON("/api/v1/uptime.json")),
      opt(getJSON("/api/v1/availability")), opt(getJSON("/api/v1/history.json"))]).then(function (x) {
      var s = x[0];
      state.uptime = x[1];
      drawOverall(s);
      drawIncidents(s);
      drawMaintenance(s);
      drawComponents(s);
      if (x[3]) drawPast(x[3]);
      drawAvailability(x[2], s);
    });
  }
  work.then(loaded).catch(function (e) {
    var o = document.getElementById("overall");
    o.className = "overall loading";
    o.textContent = "The status cannot be loaded right now (" + e.message + ").";
  }).then(function () { setTimeout(refresh, REFRESH_MS); });
}

getJSON("/api/v1/page.json").then(drawBranding).catch(function () {}).then(refresh);
