// The finder and the map as a resident meets them (issue 22): a report of
// any place without JavaScript; a short results page on a phone; the map
// with free Wi-Fi on top, every legend entry drawn and every parish named;
// "open now" on holidays; the leaflet in large print.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { axe, mapIdle, openPage, serverAndBrowser, shot } from "./browser.mjs";

const env = serverAndBrowser();
const PHONE = { viewport: { width: 360, height: 740 } };

test("a report of “Ķiršu mājas” and of “pie veikala Vilcē” is accepted without JavaScript; only an empty form is refused", { timeout: 180000 }, async () => {
  const { context, page } = await openPage(env.browser, env.server.url, { javaScriptEnabled: false, ...PHONE });
  try {
    for (const place of ["Ķiršu mājas", "Bandenieki, Vilces pagasts", "pie veikala Vilcē"]) {
      await page.goto(`${env.server.url}/report`, { waitUntil: "networkidle" });
      await page.locator("#kind-no_home_internet").check();
      await page.locator("#site_id").selectOption("");
      await page.locator("#place").fill(place);
      await Promise.all([page.waitForURL(/\/report\/status/), page.locator("form.form button[type=submit]").click()]);
      assert.match(await page.locator(".reference").innerText(), /^JN-[0-9A-Z]{6}$/, place);
    }
    // A point from the map (its "report here" link) is enough on its own.
    await page.goto(`${env.server.url}/report?lon=23.54780&lat=56.42030`, { waitUntil: "networkidle" });
    assert.match(await page.locator("#point-note").innerText(), /Vieta kartē pievienota: 56\.42030, 23\.54780/);
    await page.locator("#kind-no_mobile_signal").check();
    await page.locator("#site_id").selectOption("");
    await Promise.all([page.waitForURL(/\/report\/status/), page.locator("form.form button[type=submit]").click()]);
    // Nothing said at all: the one error, in Latvian, at the field.
    await page.goto(`${env.server.url}/report`, { waitUntil: "networkidle" });
    await page.locator("#kind-no_home_internet").check();
    await page.locator("#site_id").selectOption("");
    await page.locator("form.form button[type=submit]").click();
    await page.locator("#error-summary").waitFor();
    assert.match(await page.locator("#error-summary").innerText(), /uzrakstiet, kur tas ir/);
  } finally {
    await context.close();
  }
});

test("reviewers see the place as typed and its best match", { timeout: 180000 }, async () => {
  // Filed through the API (as the form does); read back through the queue.
  const r = await fetch(`${env.server.url}/api/v1/reports`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ kind: "no_mobile_signal", place: "pie veikala Vilcē" }),
  });
  assert.equal(r.status, 201, await r.text());
  const { context, page } = await openPage(env.browser, env.server.url);
  try {
    await page.goto(`${env.server.url}/sign-in`, { waitUntil: "networkidle" });
    const { EDITOR } = await import("./server.mjs");
    await page.locator("#username").fill(EDITOR.username);
    await page.locator("#password").fill(EDITOR.password);
    await Promise.all([page.waitForURL(/\/edit/), page.locator("form.form button[type=submit]").click()]);
    await page.goto(`${env.server.url}/edit/reports`, { waitUntil: "networkidle" });
    const text = await page.locator("main").innerText();
    assert.match(text, /„pie veikala Vilcē”/);
    assert.match(text, /Vilce \(settlement, Vilces pagasts\)/);
  } finally {
    await context.close();
  }
});

test("results for “Vilce” at 360×740: the third card's top within 1,480 px, the home internet near the top, the rest behind a disclosure", { timeout: 180000 }, async () => {
  const { context, page } = await openPage(env.browser, env.server.url, PHONE);
  try {
    await page.goto(`${env.server.url}/?q=Vilce&at=2026-12-08T10:00:00%2B02:00`, { waitUntil: "networkidle" });
    assert.match(await page.locator("h1").innerText(), /Vilce/);
    const tops = await page.$$eval("main .places > .place", (els) => els.map((e) => e.getBoundingClientRect().top + window.scrollY));
    assert.ok(tops.length >= 3, `${tops.length} cards`);
    assert.ok(tops[2] <= 1480, `the third card starts at ${tops[2]} px`);
    const home = await page.locator(".home-line").boundingBox();
    assert.ok(home && home.y < 740, `home internet at ${home?.y} px`);
    // More places: a <details>, closed, that opens with a tap (no script needed).
    const more = page.locator("details.more-places");
    assert.equal(await more.count(), 1);
    assert.equal(await more.evaluate((d) => d.open), false);
    await more.locator("> summary").click();
    assert.equal(await more.evaluate((d) => d.open), true);
    assert.ok(await more.locator(".place").first().isVisible());
    // Tap to call is on the card itself, never behind the disclosure.
    assert.equal(await page.locator(".place-more a[href^='tel:']").count(), 0);
    assert.deepEqual(await axe(page), []);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `scrolls sideways: ${width}`);
    await more.locator("> summary").click();
    await shot(page, "resident-results-vilce-360");
    await page.goto(`${env.server.url}/?q=Ozolnieki`, { waitUntil: "networkidle" });
    assert.ok(await page.locator(".places > .place .place-call a[href^='tel:']").first().isVisible(), "a phone to tap");
  } finally {
    await context.close();
  }
});

test("holiday clock: Christmas, Jāņi and 18 November say the hours may differ; an ordinary Tuesday says open now", { timeout: 180000 }, async () => {
  const { context, page } = await openPage(env.browser, env.server.url, PHONE);
  const at = (iso) => `${env.server.url}/?place=site:library-vilce&at=${encodeURIComponent(iso)}`;
  const card = () => page.locator("main .places > .place").first().innerText();
  try {
    for (const [iso, day] of [
      ["2026-12-25T10:00:00+02:00", "Ziemassvētki"],
      ["2026-06-23T10:00:00+03:00", "Līgo diena"],
      ["2026-06-24T10:00:00+03:00", "Jāņi"],
      ["2026-11-18T10:00:00+02:00", "Latvijas Republikas proklamēšanas diena"],
    ]) {
      await page.goto(at(iso), { waitUntil: "networkidle" });
      const text = await card();
      assert.match(text, new RegExp(`Šodien ${day}: darba laiks var atšķirties`), `${iso}: ${text}`);
      assert.doesNotMatch(text, /Atvērts tagad/, iso);
    }
    await page.goto(at("2026-12-08T10:00:00+02:00"), { waitUntil: "networkidle" });
    const tuesday = await card();
    assert.match(tuesday, /Atvērts tagad/);
    assert.doesNotMatch(tuesday, /var atšķirties/);
    const api = await (await fetch(`${env.server.url}/api/v1/nearest?lon=23.5478&lat=56.4203&kind=library&limit=1&at=2026-12-25T10:00:00%2B02:00`)).json();
    assert.equal(api.features[0].properties.open_now, null);
    assert.equal(api.features[0].properties.hours_may_differ, true);
    assert.equal(api.features[0].properties.day_kind, "christmas");
  } finally {
    await context.close();
  }
});

/** Every rendered feature of the map's layers that `pred` picks, with where it is on screen. */
async function rendered(page, layers) {
  return page.evaluate((layers) => {
    const map = window.gapmapMap;
    return map.queryRenderedFeatures({ layers }).map((f) => ({
      layer: f.layer.id,
      props: f.properties,
      coords: f.geometry.type === "Point" ? f.geometry.coordinates : null,
    }));
  }, layers);
}

for (const [label, options] of [["1280×800", {}], ["360×740", PHONE]]) {
  test(`the map's opening view at ${label}: free Wi-Fi on top and never hidden, every legend entry drawn, all 16 parish names, only places, names and weak areas`, { timeout: 180000 }, async () => {
    const { context, page } = await openPage(env.browser, env.server.url, options);
    try {
      await page.goto(`${env.server.url}/map`, { waitUntil: "networkidle" });
      await mapIdle(page);
      // What is on: places, names, the areas with weak internet; nothing else.
      const groups = await page.evaluate(() =>
        window.gapmapMap.getStyle().layers
          .filter((l) => (l.layout?.visibility ?? "visible") !== "none")
          .map((l) => l.metadata?.["gapmap:group"]),
      );
      assert.deepEqual([...new Set(groups)].sort(), ["base", "clusters", "labels", "places"]);
      assert.match(await page.locator("#map-sentence").innerText(), /^Kartē: vietas, kur pieslēgties internetam, pagastu un ciemu nosaukumi un teritorijas ar vāju internetu\.$/);
      // Free Wi-Fi is the top layer, and every free-Wi-Fi place is drawn.
      const order = await page.evaluate(() => window.gapmapMap.getStyle().layers.map((l) => l.id));
      assert.equal(order[order.length - 1], "wifi-symbol");
      const wifiSites = await page.evaluate(() => {
        const src = window.gapmapMap.getStyle().sources.places.data.features;
        const b = window.gapmapMap.getBounds();
        return src.filter((f) => f.properties.free_wifi && b.contains(f.geometry.coordinates)).map((f) => f.properties.id);
      });
      assert.ok(wifiSites.length >= 10, `${wifiSites.length} free-Wi-Fi places in view`);
      const wifi = await rendered(page, ["wifi-symbol"]);
      assert.deepEqual([...new Set(wifi.map((f) => f.props.id))].sort(), [...wifiSites].sort(), "every free-Wi-Fi place drawn");
      // At each Wi-Fi circle, the topmost rendered feature is that circle.
      const hidden = await page.evaluate(() => {
        const map = window.gapmapMap;
        const out = [];
        for (const f of map.queryRenderedFeatures({ layers: ["wifi-symbol"] })) {
          const p = map.project(f.geometry.coordinates);
          const size = map.getLayoutProperty("wifi-symbol", "icon-size");
          void size;
          // The circle sits on the point of a Wi-Fi place, or up and right of a shape.
          const own = f.properties.icon === "gm-wifi";
          const z = map.getZoom();
          const k = (z <= 8 ? 0.75 : z >= 13 ? 1.1 : 0.75 + ((z - 8) / 5) * 0.35) * (own ? 1 : 0.8);
          const slot = f.properties.slot;
          const n = Math.floor(slot / 10);
          const i = slot % 10;
          const dx = (n >= 2 ? (i - (n - 1) / 2) * 22 : 0) + (own ? 0 : 0.62 * 22);
          const dy = own ? 0 : -0.5 * 22;
          const x = p.x + dx * k;
          const y = p.y + dy * k;
          const top = map.queryRenderedFeatures([[x - 2, y - 2], [x + 2, y + 2]]);
          if (!top.length || top[0].layer.id !== "wifi-symbol") out.push(`${f.properties.id}: ${top.map((t) => t.layer.id).join(",")}`);
        }
        return out;
      });
      assert.deepEqual(hidden, [], "a Wi-Fi circle under another symbol");
      // Every legend entry of a shown layer is drawn as it appears.
      const entries = await page.$$eval(".legend-group:not([hidden]) li[data-layer]", (lis) => lis.map((li) => ({ layer: li.dataset.layer, icon: li.dataset.icon ?? null })));
      assert.ok(entries.length >= 5, JSON.stringify(entries));
      for (const e of entries) {
        const drawn = await rendered(page, [e.layer]);
        const match = e.icon && e.layer === "places-symbol" ? drawn.filter((f) => f.props.icon === e.icon) : drawn;
        assert.ok(match.length > 0, `legend entry ${e.layer} ${e.icon ?? ""} is not drawn`);
      }
      // "Report a problem here" carries the map's centre.
      assert.match(await page.getAttribute("#report-here", "href"), /^\/report\?lon=2\d\.\d{5}&lat=5\d\.\d{5}$/);
      // All 16 parish names.
      const names = new Set((await rendered(page, ["parishes-label"])).map((f) => f.props.name));
      assert.equal(names.size, 16, [...names].join(", "));
      await shot(page, `resident-map-opening-${label.replace("×", "x")}`);
    } finally {
      await context.close();
    }
  });
}

test("the leaflet in print: body text at least 16 pt, headings larger, one A4 page, every marker visible, a readable address", { timeout: 300000 }, async () => {
  const { context, page } = await openPage(env.browser, env.server.url);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "leaflet-")), "leaflet.pdf");
  try {
    await page.goto(`${env.server.url}/leaflets/vilces-pagasts`, { waitUntil: "networkidle" });
    await page.emulateMedia({ media: "print" });
    const sizes = await page.evaluate(() => {
      // Points, to a hundredth (16 pt is 21.33 CSS px).
      const pt = (e) => Math.round((parseFloat(getComputedStyle(e).fontSize) * 72 * 100) / 96) / 100;
      const texts = [...document.querySelectorAll(".leaflet p, .leaflet li, .leaflet figcaption, .leaflet .url")].filter((e) => e.innerText.trim());
      return {
        body: pt(document.body),
        smallest: Math.min(...texts.map(pt)),
        h1: pt(document.querySelector(".leaflet h1")),
        name: pt(document.querySelector(".leaflet-name")),
      };
    });
    assert.ok(sizes.body >= 16, `body ${sizes.body} pt`);
    assert.ok(sizes.smallest >= 16, `smallest text ${sizes.smallest} pt`);
    assert.ok(sizes.h1 > sizes.body && sizes.name > sizes.body, JSON.stringify(sizes));
    await page.pdf({ path: out, format: "A4", printBackground: true, preferCSSPageSize: true });
    assert.match(execFileSync("pdfinfo", [out], { encoding: "utf8" }), /^Pages:\s+1$/m);
    // Markers: one per place, none covering another.
    const markers = await page.$$eval(".lm-marker circle", (cs) => cs.map((c) => [Number(c.getAttribute("cx")), Number(c.getAttribute("cy")), Number(c.getAttribute("r"))]));
    assert.equal(markers.length, await page.locator(".leaflet-place").count());
    for (let i = 0; i < markers.length; i++) {
      for (let j = i + 1; j < markers.length; j++) {
        const d = Math.hypot(markers[i][0] - markers[j][0], markers[i][1] - markers[j][1]);
        assert.ok(d >= markers[i][2] + markers[j][2], `markers ${i + 1} and ${j + 1} overlap`);
      }
    }
    const url = await page.locator(".leaflet .url").innerText();
    assert.ok(!url.includes("%") && !url.startsWith("http"), url);
    assert.match(url, /\?place=parish:vilces-pagasts$/);
    fs.mkdirSync(path.join(path.dirname(new URL(import.meta.url).pathname), "../../test-results"), { recursive: true });
    fs.copyFileSync(out, path.join(path.dirname(new URL(import.meta.url).pathname), "../../test-results/leaflet-vilces-pagasts.pdf"));
  } finally {
    await context.close();
  }
});

test("suggestions say a parish once and repeat no line; /ogc pages do not scroll sideways at 360 px", { timeout: 180000 }, async () => {
  const { context, page } = await openPage(env.browser, env.server.url, PHONE);
  try {
    await page.goto(`${env.server.url}/?q=pagasta`, { waitUntil: "networkidle" });
    const lines = await page.$$eval("main .choice-list li", (lis) => lis.map((li) => li.innerText.trim()));
    assert.ok(lines.length > 3, lines.join("\n"));
    assert.equal(new Set(lines).size, lines.length, lines.join("\n"));
    for (const l of lines) assert.doesNotMatch(l, /pagasts\s+pagasts/, l);
    await page.goto(`${env.server.url}/`, { waitUntil: "networkidle" });
    await page.locator("#q").pressSequentially("Glūdas pag", { delay: 30 });
    await page.locator("#q-suggestions li").first().waitFor();
    const suggested = await page.$$eval("#q-suggestions li", (lis) => lis.map((li) => li.textContent.trim()));
    assert.equal(new Set(suggested).size, suggested.length, suggested.join("\n"));
    for (const l of suggested) assert.doesNotMatch(l, /pagasts\s+pagasts/, l);
    for (const p of ["/ogc", "/ogc/collections", "/ogc/collections/sites", "/ogc/collections/sites/items?limit=10", "/ogc/collections/sites/items/library-vilce"]) {
      await page.goto(`${env.server.url}${p}${p.includes("?") ? "&" : "?"}f=html`, { waitUntil: "networkidle" });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `${p}: ${width} px wide`);
      assert.deepEqual(await axe(page), [], p);
    }
  } finally {
    await context.close();
  }
});
