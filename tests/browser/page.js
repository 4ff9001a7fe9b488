// page.js - the status page in a real browser (Debian's chromium through
// playwright-core): every component, 90 bars each, an open incident, no
// script run from a name. Usage: node page.js URL SCREENSHOT COMPONENT...
"use strict";
const { chromium } = require("playwright-core");

async function main() {
  const [url, shot, ...components] = process.argv.slice(2);
  // playwright gives the browser a new, temporary --user-data-dir itself
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const fail = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const external = [];
    page.on("request", (r) => { if (!r.url().startsWith(url.replace(/\/$/, ""))) external.push(r.url()); });
    page.on("dialog", (d) => { fail.push("a dialog opened: " + d.message()); d.dismiss(); });
    page.on("pageerror", (e) => fail.push("page error: " + e.message));
    await page.goto(url);
    await page.waitForSelector("body[data-loaded='1']", { timeout: 20000 });
    const names = await page.$$eval(".component-name", (a) => a.map((e) => e.textContent));
    for (const c of components)
      if (!names.includes(c)) fail.push("component missing: " + JSON.stringify(c) + " in " + JSON.stringify(names));
    if (names.length !== components.length) fail.push("components: " + JSON.stringify(names));
    const bars = await page.$$eval(".component", (a) => a.map((e) => e.querySelectorAll(".bar").length));
    if (bars.length === 0 || bars.some((n) => n !== 90)) fail.push("bars per component: " + bars);
    const titles = await page.$$eval(".bar[title]", (a) => a.map((e) => e.getAttribute("title")));
    if (!titles.some((t) => / % available/.test(t))) fail.push("no bar tooltip gives an availability");
    if (!titles.some((t) => /unplanned downtime/.test(t))) fail.push("no bar shows the replayed outage");
    const inc = await page.$$eval(".incident h3", (a) => a.map((e) => e.textContent));
    if (!inc.some((t) => /api unavailable/.test(t))) fail.push("open incident not shown: " + inc);
    if ((await page.locator("#overall").textContent()).trim() === "") fail.push("no overall status");
    if (await page.locator("script:not([src])").count() !== 0) fail.push("an inline script appeared");
    if (await page.locator("#availability table").count() !== 1) fail.push("no availability table");
    if (external.length) fail.push("requests outside the server: " + external);
    // readable on a phone: no horizontal scrolling
    await page.setViewportSize({ width: 375, height: 800 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > 380) fail.push("page wider than a phone: " + wide);
    await page.setViewportSize({ width: 1100, height: 1400 });
    await page.screenshot({ path: shot, fullPage: false });
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
