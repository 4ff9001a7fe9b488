// status.js - what a person sees on the status page after a replayed month
// (tests/e2e/pagelib.py), in Debian's chromium through playwright-core:
// the past incidents by day with quiet days, the maintenance card holding
// the outage inside it, the overrun as an incident, the nightly window
// summarised, a response-time graph that is drawn (its pixels, not only a
// status code), the rrdtool graph opened directly, the incident page and
// the history by month, no Content-Security-Policy violation, no serious
// axe-core finding in light and dark mode, 30 separate bars on a 390 px
// phone. Screenshots at 1280 and 390 px go to OUTDIR.
// Usage: node status.js URL OUTDIR
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const { chromium } = require("playwright-core");

const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// A PNG (8-bit RGB or RGBA, as Chromium writes them) as {w, h, px(x, y) -> [r, g, b]}.
function decodePNG(buf) {
  let pos = 8, w = 0, h = 0, ct = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos), type = buf.toString("ascii", pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      w = data.readUInt32BE(0); h = data.readUInt32BE(4);
      if (data[8] !== 8) throw new Error("PNG bit depth " + data[8]);
      ct = data[9];
    } else if (type === "IDAT") idat.push(data);
    pos += 12 + len;
  }
  const bpp = ct === 6 ? 4 : ct === 2 ? 3 : 0;
  if (!bpp) throw new Error("PNG colour type " + ct);
  const raw = zlib.inflateSync(Buffer.concat(idat)), stride = w * bpp;
  const out = Buffer.alloc(h * stride);
  for (let y = 0; y < h; y++) {
    const f = raw[y * (stride + 1)], line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[y * stride + x - bpp] : 0, b = y ? out[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y ? out[(y - 1) * stride + x - bpp] : 0;
      let v = line[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      out[y * stride + x] = v & 255;
    }
  }
  return { w, h, px: (x, y) => [out[y * stride + x * bpp], out[y * stride + x * bpp + 1], out[y * stride + x * bpp + 2]] };
}

// How a picture looks: share of near-black pixels, of pixels unlike the commonest colour, colours.
function pixels(buf) {
  const img = decodePNG(buf), count = new Map();
  let black = 0, n = 0;
  for (let y = 0; y < img.h; y++) for (let x = 0; x < img.w; x++) {
    const [r, g, b] = img.px(x, y), k = (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3);
    count.set(k, (count.get(k) || 0) + 1);
    if (r + g + b < 60) black++;
    n++;
  }
  const top = Math.max(...count.values());
  return { black: black / n, other: (n - top) / n, colours: count.size };
}

async function main() {
  const [url, outdir] = process.argv.slice(2);
  const base = url.replace(/\/$/, "");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const fail = [];
  const check = (ok, msg) => { if (!ok) fail.push(msg); };
  const csp = [];
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "America/New_York" });
    // reported by the page itself: a violation event the page cannot hide
    await ctx.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) =>
        console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI));
    });
    const page = await ctx.newPage();
    page.on("console", (m) => {
      if (/Content.Security.Policy|CSP violation/i.test(m.text())) csp.push(m.text());
    });
    page.on("pageerror", (e) => fail.push("page error: " + e.message));
    page.on("request", (r) => { if (!r.url().startsWith(base)) fail.push("request outside the server: " + r.url()); });

    await page.goto(base + "/");
    await page.waitForSelector("body[data-loaded='1']", { timeout: 20000 });
    const text = (sel) => page.$$eval(sel, (a) => a.map((e) => e.textContent.replace(/\s+/g, " ").trim()));

    // branding from page{}
    check((await page.locator("#page-name").textContent()) === "Example Corp status", "title from page{}");
    check(await page.locator("#company-link[href='https://example.com/']").isVisible(), "company link");
    check(await page.locator("#support-link[href='mailto:support@example.com']").isVisible(), "support link");
    check((await page.locator("#footer-text").textContent()) === "Example Corp, Oslo", "footer text");
    check((await page.locator("#webcal").getAttribute("href")) === "webcal://" + new URL(base).host + "/calendar.ics",
      "webcal link: " + await page.locator("#webcal").getAttribute("href"));
    const order = await text(".component-name");
    check(JSON.stringify(order) === JSON.stringify(["Documents", "Website", "API"]), "component order: " + order);
    check(/maintenance/.test(await page.locator("#favicon").getAttribute("href")), "favicon follows the status");

    // the outage inside the announced window is part of the maintenance, not an incident
    check(await page.locator("#incidents-section").isHidden(), "an open incident is shown for the in-window outage: " +
      await text("#incidents h3"));
    const active = await text("#active .maint");
    check(active.length === 1 && /Documents migration/.test(active[0]) && /In progress — affected: Documents/.test(active[0]),
      "active maintenance card: " + active);

    // recurring short windows summarised, one-off ones listed; titles are descriptions
    const upcoming = await text("#maintenance .maint h3");
    const nightly = upcoming.filter((t) => /Nightly restart/.test(t));
    check(nightly.length === 1 && /^Nightly restart, daily \d\d:\d\d–\d\d:\d\d$/.test(nightly[0]), "nightly summary: " + upcoming);
    check(upcoming.some((t) => t === "Network maintenance"), "one-off window: " + upcoming);
    check(!upcoming.some((t) => /nightly-restart|network/.test(t)), "a card titled with a config id: " + upcoming);
    // times once, in the viewer's zone (New York here), the configured zone on hover
    const when = await page.$$eval("#maintenance time", (a) => a.map((e) => [e.textContent, e.getAttribute("title")]));
    check(when.length > 0 && when.some(([t]) => /E[SD]T|GMT-5|GMT-4/.test(t)) &&
      when.every(([t, ti]) => /Europe\/Oslo/.test(ti) && !/Europe\/Oslo|CET/.test(t)),
      "times in the viewer's zone with the configured one on hover: " + JSON.stringify(when.slice(0, 3)));

    // past incidents: 15 days, quiet ones say so
    const days = await page.$$eval("#past .day", (a) => a.map((d) => ({
      day: d.getAttribute("data-day"), text: d.textContent.replace(/\s+/g, " ") })));
    check(days.length === 15, "past days: " + days.length);
    check(days.filter((d) => /No incidents reported\./.test(d.text)).length >= 8, "quiet days");
    const past = days.map((d) => d.text).join("\n");
    check(/Website: www unavailable/.test(past), "www incident of 2 days ago missing");
    check(/API: api unavailable/.test(past) && /was still down when the announced maintenance ended/.test(past),
      "the overrun of Storage migration as an incident");
    check(/Storage migration.*affected: API/.test(past), "Storage migration card with its outage");
    check(/Database upgrade.*affected: Documents/.test(past), "Database upgrade card with the outage inside it");
    check(!/Documents: docs unavailable/.test(past), "an in-window outage listed as an incident");
    check(/Resolved/.test(past) && /Investigating/.test(past), "updates investigating → resolved");

    // the response-time graph, drawn in the page
    await page.click(".component[data-component] details.graphs summary");
    await page.waitForSelector(".chart-box[data-drawn='24h'] svg.chart path.line", { timeout: 20000 });
    let shot = pixels(await page.locator(".chart-box svg.chart").first().screenshot());
    check(shot.black < 0.2 && shot.other > 0.01 && shot.colours >= 4, "graph looks blank or black: " + JSON.stringify(shot));
    await page.click(".ranges button[data-range='90d']");
    await page.waitForSelector(".chart-box[data-drawn='90d']");
    check((await page.$$(".days-box li")).length === 90, "uptime per day over 90 days");
    await page.click(".ranges button[data-range='7d']");
    await page.waitForSelector(".chart-box[data-drawn='7d']");
    check((await page.$$(".days-box li")).length === 7, "uptime per day over 7 days");

    // accessibility, light and dark
    for (const scheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.evaluate(AXE);
      const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
      const bad = res.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      check(bad.length === 0, "axe (" + scheme + "): " + bad.map((v) => v.id + " " +
        v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")).join("; "));
    }
    await page.emulateMedia({ colorScheme: "light" });
    await page.screenshot({ path: path.join(outdir, "status-page-1280.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: path.join(outdir, "status-page-1280-dark.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });

    // a phone: 30 bars, each visible on its own
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(100); // layout after the resize
    const bars = await page.$$eval(".component:first-of-type .bar", (a) => a.map((b) => b.getBoundingClientRect())
      .filter((r) => r.width > 0).map((r) => [r.left, r.right]));
    check(bars.length === 30, "bars on a phone: " + bars.length);
    check(bars.every(([l, r]) => r - l >= 3), "bars narrower than 3 px");
    check(bars.every((b, i) => i === 0 || b[0] - bars[i - 1][1] >= 1), "bars merge: no gap between them");
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 390, "page wider than the phone: " + wide);
    await page.screenshot({ path: path.join(outdir, "status-page-390.png"), fullPage: true });

    // the incident page: the timeline per check and the windows it touched
    await page.setViewportSize({ width: 1280, height: 900 });
    const link = await page.locator("#past a", { hasText: "API: api unavailable" }).first().getAttribute("href");
    check(/^\/incidents\/[0-9a-z]{12}$/.test(link || ""), "incident link: " + link);
    await page.goto(base + link);
    await page.waitForSelector("body[data-loaded='1']");
    check((await page.locator("#view-title").textContent()) === "API: api unavailable", "incident page title");
    check((await page.$$(".timeline .tl-row")).length === 1, "timeline rows");
    check((await page.$$(".timeline .tl-seg.maint")).length === 1 && (await page.$$(".timeline .tl-seg.down")).length === 1,
      "timeline: the part in the window and the unplanned part");
    check(/Storage migration/.test((await text("#view-incident .windows"))[0] || ""), "windows touched");
    await page.screenshot({ path: path.join(outdir, "status-page-incident.png"), fullPage: true });

    await page.goto(base + "/incidents/zzzzzzzzzzzz");
    await page.waitForSelector("body[data-loaded='1']");
    check((await page.locator("#view-title").textContent()) === "No such incident", "unknown incident");

    // the history by month, back to the start of the data
    await page.goto(base + "/history");
    await page.waitForSelector("body[data-loaded='1']");
    const months = await page.$$eval("#view-history .month", (a) => a.map((m) => m.getAttribute("data-month")));
    check(months.length >= 2, "months back to the start: " + months);
    const hist = (await text("#view-history")).join(" ");
    check((hist.match(/API: api unavailable/g) || []).length === 2, "both api incidents in the history");

    // the rrdtool graph opened on its own: coloured, not black
    await page.goto(base + "/graph/www.svg?range=7d");
    shot = pixels(await page.screenshot());
    check(shot.black < 0.2 && shot.colours >= 6, "rrdtool graph looks black or blank: " + JSON.stringify(shot));
    check(csp.length === 0, "CSP violations: " + csp.join("; "));
  } finally {
    await browser.close();
  }
  if (fail.length) {
    console.error(fail.join("\n"));
    process.exit(1);
  }
  console.log("ok");
}

main().catch((e) => { console.error(e); process.exit(2); });
