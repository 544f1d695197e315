// Journeys through the pages as a person makes them: keyboard only; with
// JavaScript off; printing the leaflet. And checks that the checks can
// fail: axe and the CSP probe must see a planted fault.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./server.mjs";
import { axe, cspViolations, mapIdle, openPage, serverAndBrowser, shot } from "./browser.mjs";

const env = serverAndBrowser();

/** Press Tab until the focused element matches, at most `max` times. */
async function tabTo(page, selector, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

test("keyboard only: search a village, pick a result, open the map, toggle a layer, open the leaflet", { timeout: 180000 }, async () => {
  const { context, page } = await openPage(env.browser, env.server.url);
  try {
    await page.goto(env.server.url + "/", { waitUntil: "networkidle" });
    // The skip link comes first and lands in the main content.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.className), "skip-link");
    await tabTo(page, "#q");
    await page.keyboard.type("Gluda", { delay: 40 });
    await page.locator("#q-suggestions li").first().waitFor();
    assert.equal(await page.getAttribute("#q", "aria-expanded"), "true");
    await page.keyboard.press("ArrowDown");
    const active = await page.getAttribute("#q", "aria-activedescendant");
    assert.equal(active, "q-opt-0");
    await Promise.all([page.waitForURL(/place=/), page.keyboard.press("Enter")]);
    assert.match(await page.locator("h1").innerText(), /Glūd/);
    await shot(page, "journey-results-1280");
    // Open the map from the results.
    await tabTo(page, "a.button[href*='/map']");
    await Promise.all([page.waitForURL(/\/map/), page.keyboard.press("Enter")]);
    await mapIdle(page);
    // Toggle the coverage layer with the space bar.
    await tabTo(page, "#layer-coverage");
    await page.keyboard.press("Space");
    assert.equal(await page.isChecked("#layer-coverage"), true);
    await mapIdle(page);
    assert.equal(
      await page.evaluate(() => window.gapmapMap.getLayoutProperty("coverage-fill", "visibility")),
      "visible",
    );
    // The map does not trap the focus: Tab goes on past it to the list.
    await tabTo(page, "#in-view-list a");
    // Open a parish leaflet: back to the results, then the leaflet link.
    await page.goBack();
    await page.waitForLoadState("networkidle");
    await tabTo(page, "a.button[href*='/leaflets/']");
    await Promise.all([page.waitForURL(/\/leaflets\//), page.keyboard.press("Enter")]);
    assert.match(await page.locator("h1").innerText(), /Glūdas pagasts/);
  } finally {
    await context.close();
  }
});

test("without JavaScript the search form still returns results", { timeout: 180000 }, async () => {
  const { context, page } = await openPage(env.browser, env.server.url, { javaScriptEnabled: false });
  try {
    await page.goto(env.server.url + "/", { waitUntil: "networkidle" });
    assert.equal(await page.isVisible("#locate"), false, "no button that needs a script");
    await page.fill("#q", "Vilces pag.");
    await Promise.all([page.waitForURL(/q=/), page.click("button[type=submit]")]);
    assert.match(await page.locator("h1").innerText(), /Vilces pagasts/);
    assert.ok((await page.locator(".place").count()) > 0, "places are listed");
    assert.ok(await page.isVisible("text=Pie Lietuvas robežas"), "border-zone roaming advice");
    // (axe needs scripts; this page with scripts on is checked in pages.test.mjs)
    await shot(page, "no-js-results-1280");
  } finally {
    await context.close();
  }
});

test("a homestead of the ingested register is found by its name", { timeout: 180000 }, async () => {
  const { context, page } = await openPage(env.browser, env.server.url);
  try {
    await page.goto(env.server.url + "/?q=Zemgali", { waitUntil: "networkidle" });
    assert.match(await page.locator("h1").innerText(), /Zemgaļi/);
    assert.ok(await page.isVisible("text=Mājas internets šajā vietā"));
  } finally {
    await context.close();
  }
});

test("every parish leaflet prints on exactly one A4 page", { timeout: 300000 }, async () => {
  const { context, page } = await openPage(env.browser, env.server.url);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "leaflet-")), "leaflet.pdf");
  try {
    await page.goto(`${env.server.url}/leaflets`, { waitUntil: "networkidle" });
    const parishes = await page.$$eval("main a[href*='/leaflets/']", (as) => as.map((a) => a.getAttribute("href").split("/").pop()));
    assert.equal(parishes.length, 16);
    for (const parish of parishes) {
      await page.goto(`${env.server.url}/leaflets/${parish}`, { waitUntil: "networkidle" });
      await page.emulateMedia({ media: "print" });
      await page.pdf({ path: out, format: "A4", printBackground: true, preferCSSPageSize: true });
      const info = execFileSync("pdfinfo", [out], { encoding: "utf8" });
      assert.match(info, /^Pages:\s+1$/m, `${parish}: ${info}`);
      assert.match(info, /Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)/, info);
      await page.emulateMedia({ media: "screen" });
    }
    fs.mkdirSync(path.join(ROOT, "web/test-results"), { recursive: true });
    fs.copyFileSync(out, path.join(ROOT, "web/test-results/leaflet-ozolnieku-pagasts.pdf"));
  } finally {
    await context.close();
  }
});

test("the checks can fail: axe sees a missing label, the CSP blocks an inline script", { timeout: 180000 }, async () => {
  const { context, page } = await openPage(env.browser, env.server.url);
  try {
    await context.route(`${env.server.url}/__probe`, (route) =>
      route.fulfill({
        status: 200,
        contentType: "text/html",
        headers: { "content-security-policy": "script-src 'self'" },
        body: '<!DOCTYPE html><html lang="lv"><head><title>x</title></head><body><main><input type="text"><script>document.title="ran"</script></main></body></html>',
      }),
    );
    await page.goto(`${env.server.url}/__probe`);
    const v = await axe(page);
    assert.ok(v.some((x) => x.startsWith("label")), v.join("\n"));
    assert.notEqual(await page.title(), "ran");
    assert.ok((await cspViolations(page)).length > 0, "the violation is reported");
  } finally {
    await context.close();
  }
});
