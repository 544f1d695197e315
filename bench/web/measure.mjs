// Transferred bytes of a page view in Chromium with an empty cache: every
// response's encoded (on-the-wire) length from the DevTools protocol.
//   node measure.mjs BASE_URL PATH [--map]   → prints JSON {path, bytes, requests, byType}
import { createRequire } from "node:module";
import path from "node:path";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const { chromium } = createRequire(path.join(ROOT, "web/package.json"))("playwright-core");
const [base, page_path, flag] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send("Network.enable");
await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
const types = new Map();
const byType = {};
let bytes = 0;
let requests = 0;
cdp.on("Network.responseReceived", (e) => types.set(e.requestId, e.type));
cdp.on("Network.loadingFinished", (e) => {
  const t = types.get(e.requestId) ?? "Other";
  byType[t] = (byType[t] ?? 0) + e.encodedDataLength;
  bytes += e.encodedDataLength;
  requests += 1;
});
await page.goto(base + page_path, { waitUntil: "networkidle" });
if (flag === "--map") {
  await page.waitForFunction(() => window.gapmapMap && window.gapmapMap.loaded(), null, { timeout: 120000 });
  await page.evaluate(() => new Promise((r) => (window.gapmapMap.areTilesLoaded() ? r() : window.gapmapMap.once("idle", r))));
  await page.waitForTimeout(500);
}
console.log(JSON.stringify({ path: page_path, bytes, requests, byType }));
await browser.close();
