// The browser and page helpers shared by the browser tests.
import { after, before } from "node:test";
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import fs from "node:fs";
import path from "node:path";
import { CHROMIUM_ARGS, CSP, SHOTS, startServer } from "./server.mjs";

export async function launch() {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/**
 * The server and the browser a test file shares: started before its tests,
 * stopped after them. Returns `{ server, browser }`, filled in once started.
 */
export function serverAndBrowser() {
  const env = {};
  before(async () => {
    env.server = await startServer();
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/**
 * A page from a fresh context (axe needs one) where every response of the
 * server carries the hardening CSP (the server's own header), every request is recorded, and CSP
 * violations and script errors are collected. `proxy: false` leaves the
 * server's answers to the browser as they come (no route): a page that
 * fetches from another server on loopback needs it, since Chromium treats a
 * page the test fulfilled as public and refuses it loopback addresses.
 */
export async function openPage(browser, base, options = {}, { proxy = true } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const requests = [];
  const problems = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  if (proxy) await context.route(`${base}/**`, async (route) => {
    // Redirects go back to the browser (a form's 303, the sign-in's cookie).
    const response = await route.fetch({ maxRedirects: 0 });
    // The body arrives decoded: drop the encoding headers. The server sets
    // the hardening CSP itself; a response without one (there should be
    // none) gets the same policy, so the probe never runs unprotected.
    const own = response.headers();
    const headers = { ...own, "content-security-policy": own["content-security-policy"] || CSP };
    delete headers["content-encoding"];
    delete headers["content-length"];
    await route.fulfill({ response, headers, body: await response.body() });
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations = window.__cspViolations || [];
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { context, page, requests, problems };
}

/** axe-core with the WCAG 2.1 A and AA tags: the violations, as text. */
export async function axe(page) {
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return r.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`,
  );
}

export async function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations || []);
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Wait until the map has loaded its style and drawn (MapLibre's `idle`). */
export async function mapIdle(page) {
  await page.waitForFunction(() => window.gapmapMap && window.gapmapMap.loaded(), null, { timeout: 60000 });
  await page.evaluate(
    () => new Promise((resolve) => (window.gapmapMap.areTilesLoaded() && !window.gapmapMap.isMoving() ? resolve() : window.gapmapMap.once("idle", resolve))),
  );
}
