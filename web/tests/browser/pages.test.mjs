// Every page and state under a real Chromium against the real server:
// axe-core (WCAG 2.1 A and AA) finds nothing, the hardening CSP blocks
// nothing, no request leaves the server's own origin, and screenshots at
// 360×740 and 1280×800 are kept in web/test-results/screenshots.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EDITOR } from "./server.mjs";
import { axe, cspViolations, mapIdle, openPage, serverAndBrowser, shot } from "./browser.mjs";

const env = serverAndBrowser();

/** The pages and states the issue lists, each with how to reach it. */
const STATES = [
  { name: "start", path: "/" },
  {
    name: "suggestions-open",
    path: "/",
    act: async (page) => {
      await page.locator("#q").pressSequentially("Glu", { delay: 30 });
      await page.locator("#q-suggestions li").first().waitFor();
    },
  },
  { name: "results", path: "/?q=Gluda" },
  { name: "results-point", path: "/?lon=23.69&lat=56.42" },
  { name: "choices", path: "/?q=pagasta" },
  { name: "no-results", path: "/?q=Qwxzzq" },
  { name: "map", path: "/map", map: true },
  {
    name: "map-layer-panel",
    path: "/map",
    map: true,
    act: async (page) => {
      await page.locator("#layer-coverage").check();
      await page.locator("#layer-grid").uncheck();
      await mapIdle(page);
    },
  },
  { name: "plan", path: "/plan" },
  { name: "plan-sorted", path: "/plan?sort=digitally_underserved&dir=desc" },
  { name: "plan-access-points", path: "/plan/access-points", map: true },
  { name: "plan-what-if", path: "/plan/what-if", map: true },
  {
    name: "plan-what-if-form",
    path: "/plan/what-if",
    act: async (page) => {
      await page.locator("#place").fill("Gluda");
      await page.locator("#whatif-form button[type=submit]").click();
      await page.waitForURL((u) => new URL(u).searchParams.get("place") === "Gluda");
      await page.locator("#whatif-figures dd").first().waitFor();
    },
  },
  {
    name: "plan-what-if-click",
    path: "/plan/what-if",
    map: true,
    act: async (page) => {
      const box = await page.locator("#plan-map canvas").boundingBox();
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.locator("#whatif-figures dd").first().waitFor();
      const lat = await page.locator("#lat").inputValue();
      assert.match(lat, /^5\d\.\d{5}$/, "the click fills the form's latitude");
    },
  },
  { name: "plan-what-if-errors", path: "/plan/what-if?lon=abc&lat=56.6" },
  { name: "plan-upgrades", path: "/plan/upgrades" },
  { name: "plan-mobile-class", path: "/plan/mobile-class" },
  { name: "plan-progress", path: "/plan/progress" },
  { name: "english-plan-what-if", path: "/plan/what-if?place=Gluda&lang=en" },
  { name: "leaflets", path: "/leaflets" },
  { name: "leaflet", path: "/leaflets/vilces-pagasts" },
  { name: "accessibility", path: "/accessibility" },
  { name: "english-results", path: "/?q=Gluda&lang=en" },
  { name: "english-map", path: "/map?lang=en", map: true },
  { name: "not-found-leaflet", path: "/leaflets/no-such-parish", status: 404 },
  { name: "report", path: "/report?site=library-vilce" },
  {
    name: "report-errors",
    path: "/report",
    act: async (page) => {
      await page.locator("form.form button[type=submit]").click();
      await page.locator("#error-summary").waitFor();
    },
  },
  {
    name: "report-sent",
    path: "/report?site=library-vilce",
    act: async (page) => {
      await page.locator("#kind-wifi_not_working").check();
      await page.locator("form.form button[type=submit]").click();
      await page.locator(".reference").waitFor();
    },
  },
  { name: "report-status-unknown", path: "/report/status?ref=JN-ZZZZZZ" },
  { name: "privacy", path: "/privacy" },
  { name: "changes", path: "/changes" },
  { name: "changes-parish", path: "/changes?parish=vilces-pagasts&days=0" },
  { name: "sign-in", path: "/sign-in" },
  { name: "edit", path: "/edit", signIn: true },
  { name: "edit-form", path: "/edit/sites/library-vilce", signIn: true },
  {
    name: "edit-form-errors",
    path: "/edit/sites/library-vilce",
    signIn: true,
    act: async (page) => {
      await page.locator("#router_year").fill("1800");
      await page.locator("button[value=save]").click();
      await page.locator("#error-summary").waitFor();
    },
  },
  { name: "edit-new-equipment", path: "/edit/equipment/new?site_id=library-vilce", signIn: true },
  { name: "review", path: "/edit/reports", signIn: true },
  // The error pages a browser gets (issue 21): Latvian, with the way back.
  { name: "error-404", path: "/no-such-page", status: 404 },
  { name: "error-404-english", path: "/no-such-page?lang=en", status: 404 },
  { name: "error-405", path: "/sign-out", status: 405 },
  {
    name: "error-413",
    path: "/report?site=library-vilce",
    act: async (page) => {
      await page.locator("#kind-other").check();
      await page.evaluate(() => {
        const t = document.querySelector("#text");
        t.removeAttribute("maxlength");
        t.value = "x".repeat(2 * 1024 * 1024);
      });
      const [res] = await Promise.all([
        page.waitForNavigation(),
        page.locator("form.form button[type=submit]").click(),
      ]);
      assert.equal(res.status(), 413);
      assert.equal(await page.locator("h1").textContent(), "Nosūtītais ir pārāk liels");
      assert.equal(await page.locator("main a[href='/']").count(), 1, "the way back to the finder");
    },
  },
  {
    name: "report-too-many",
    path: "/report?site=library-vilce",
    act: async (page) => {
      for (let i = 0; i < 22; i++) {
        await page.request.post(page.url().split("/report")[0] + "/api/v1/reports", {
          data: { kind: "other", site_id: "library-vilce", text: "budget" },
        });
      }
      await page.locator("#kind-wifi_not_working").check();
      const [res] = await Promise.all([
        page.waitForNavigation(),
        page.locator("form.form button[type=submit]").click(),
      ]);
      assert.equal(res.status(), 429);
      await page.locator("#error-summary").waitFor();
    },
  },
];

/** Sign in through the page, as a person would. */
async function signIn(page, url) {
  await page.goto(url + "/sign-in", { waitUntil: "networkidle" });
  await page.locator("#username").fill(EDITOR.username);
  await page.locator("#password").fill(EDITOR.password);
  await page.locator("form.form button[type=submit]").click();
  await page.waitForURL((u) => new URL(u).pathname === "/edit");
}

describe("every page and state", () => {
  for (const s of STATES) {
    test(`${s.name}: no axe violation, no CSP violation, nothing from another host`, { timeout: 180000 }, async () => {
      const { context, page, requests, problems } = await openPage(env.browser, env.server.url);
      try {
        if (s.signIn) await signIn(page, env.server.url);
        const res = await page.goto(env.server.url + s.path, { waitUntil: "networkidle" });
        assert.equal(res.status(), s.status ?? 200);
        if (s.signIn) assert.ok(!new URL(page.url()).pathname.startsWith("/sign-in"), "still signed in");
        if (s.map) await mapIdle(page);
        if (s.act) await s.act(page);
        assert.deepEqual(await axe(page), [], "axe violations");
        assert.deepEqual(await cspViolations(page), [], "CSP violations");
        assert.deepEqual(problems, []);
        const foreign = requests.filter((u) => !u.startsWith(env.server.url) && !/^(data|blob):/.test(u));
        assert.deepEqual(foreign, [], "requests to another host");
        await shot(page, `${s.name}-1280`);
      } finally {
        await context.close();
      }
    });
  }
});

describe("phone and zoom", () => {
  for (const path of ["/", "/?q=Gluda", "/?q=Qwxzzq", "/map", "/plan", "/plan/access-points", "/plan/what-if?place=Gluda", "/plan/upgrades", "/plan/mobile-class", "/plan/progress", "/leaflets/vilces-pagasts", "/accessibility", "/report", "/changes", "/sign-in"]) {
    test(`${path}: screenshot at 360×740; no horizontal scroll at 320 px and at 200 % zoom`, { timeout: 180000 }, async () => {
      for (const [w, h, keep] of [[360, 740, true], [320, 640, false], [640, 400, false]]) {
        const { context, page } = await openPage(env.browser, env.server.url, { viewport: { width: w, height: h } });
        try {
          await page.goto(env.server.url + path, { waitUntil: "networkidle" });
          if (path === "/map" || path.startsWith("/plan/access-points") || path.startsWith("/plan/what-if")) await mapIdle(page);
          const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.ok(over <= 0, `${path} at ${w} px scrolls sideways by ${over} px`);
          if (keep) await shot(page, `${path.replace(/[^a-z0-9]+/gi, "_") || "root"}-360`);
        } finally {
          await context.close();
        }
      }
    });
  }
});
