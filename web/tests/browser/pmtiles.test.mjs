// The public map's tiles from a PMTiles archive on static hosting (issue 24):
// the store is exported with `gapmap export --format pmtiles`, served by
// Debian's nginx on another port through deploy/nginx/pmtiles.conf (TLS,
// Range, CORS for the map's origin), and `gapmap serve` runs with
// GAPMAP_TILES_URL pointing at it. The map page must read every tile from
// nginx with Range requests and none from the server's /tiles, and draw
// the same features, labels, stripes of simulated data and attribution as
// from the server's own tiles.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { PMTiles } from "pmtiles";
import { axe, cspViolations, launch, mapIdle, openPage, shot } from "./browser.mjs";
import { BIN, ROOT, startServer } from "./server.mjs";

const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => fs.existsSync(p));
const CONF = path.join(ROOT, "deploy/nginx/pmtiles.conf");

/** A port nobody listens on now (the OS picks it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * deploy/nginx/pmtiles.conf as written, with only its ports, certificate,
 * root and the map's origin replaced, inside a minimal nginx.conf.
 */
function renderNginx(dir, port, root, origin) {
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
    "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { stdio: "ignore" });
  const site = fs.readFileSync(CONF, "utf8")
    .replace("listen 443 ssl http2;", `listen 127.0.0.1:${port} ssl http2;`)
    .replace(/^\s*listen \[::\].*\n/m, "")
    .replace("/etc/letsencrypt/live/tiles.example.lv/fullchain.pem", path.join(dir, "cert.pem"))
    .replace("/etc/letsencrypt/live/tiles.example.lv/privkey.pem", path.join(dir, "key.pem"))
    .replace("root /var/www/gapmap-tiles;", `root ${root};`)
    .replace("https://karte.example.lv", origin);
  for (const changed of [`127.0.0.1:${port}`, root, origin]) assert.ok(site.includes(changed), `pmtiles.conf no longer has the line for ${changed}`);
  fs.writeFileSync(path.join(dir, "site.conf"), site);
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((k) => `    ${k}_temp_path ${dir}/${k};`).join("\n");
  const conf = path.join(dir, "nginx.conf");
  fs.writeFileSync(conf, `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 256; }
http {
    access_log ${dir}/access.log;
${temp}
    include ${dir}/site.conf;
}
`);
  return conf;
}

/** A PMTiles source reading the exported file itself (an independent read of its header and metadata). */
function fileSource(file) {
  return {
    getKey: () => file,
    async getBytes(offset, length) {
      const fd = fs.openSync(file, "r");
      try {
        const buf = Buffer.alloc(length);
        const n = fs.readSync(fd, buf, 0, length, offset);
        return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + n) };
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

const env = {};

before(async () => {
  if (!NGINX) {
    if (process.env.CI === "true") throw new Error("nginx is missing: `make deps` installs Debian's nginx");
    return;
  }
  env.tilesPort = await freePort();
  env.tilesOrigin = `https://127.0.0.1:${env.tilesPort}`;
  env.server = await startServer({
    prepare: async ({ store, dir }) => {
      env.www = path.join(dir, "www");
      fs.mkdirSync(env.www);
      env.archive = path.join(env.www, "gapmap.pmtiles");
      const r = spawnSync(BIN, ["export", "--format", "pmtiles", "--store", store, "--out", env.archive], {
        encoding: "utf8",
        env: { ...process.env, RUST_LOG: "warn" },
      });
      assert.equal(r.status, 0, r.stderr);
      env.exportSaid = r.stderr;
      env.store = store;
      return { GAPMAP_TILES_URL: `${env.tilesOrigin}/gapmap.pmtiles` };
    },
  });
  env.nginxDir = path.join(env.server.dir, "nginx");
  fs.mkdirSync(env.nginxDir);
  const conf = renderNginx(env.nginxDir, env.tilesPort, env.www, env.server.url);
  const t = spawnSync(NGINX, ["-t", "-c", conf, "-p", env.nginxDir], { encoding: "utf8" });
  assert.equal(t.status, 0, t.stderr);
  env.nginx = spawn(NGINX, ["-c", conf, "-p", env.nginxDir], { stdio: ["ignore", "ignore", "pipe"] });
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect(env.tilesPort, "127.0.0.1", () => (s.end(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (up) break;
    if (i > 100) throw new Error(`nginx did not start: ${fs.readFileSync(path.join(env.nginxDir, "error.log"), "utf8")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  env.browser = await launch();
});

after(async () => {
  await env.browser?.close();
  if (env.nginx) {
    env.nginx.kill("SIGTERM");
    await new Promise((r) => (env.nginx.exitCode !== null ? r() : env.nginx.once("exit", r)));
  }
  await env.server?.stop();
});

const skip = !NGINX && process.env.CI !== "true" ? "nginx is not installed (make deps installs it)" : false;

test("the export ends by saying how to publish it", { skip }, () => {
  const said = env.exportSaid;
  assert.match(said, /PMTiles v3 of \d+ tilesets, z0–z14/);
  assert.match(said, /static hosting .* answers HTTP Range requests/);
  assert.match(said, /CORS for the map's origin/);
  assert.match(said, /tiles_url in the \[web\] section/);
  assert.ok(said.includes(`run \`gapmap export --format pmtiles --store ${env.store} --out ${env.archive}\``), said);
});

test("the archive's metadata names every layer the map's style reads, over the zooms the map uses", { skip }, async () => {
  const style = await (await fetch(`${env.server.url}/styles/gapmap.json?tiles=archive`)).json();
  const archive = new PMTiles(fileSource(env.archive));
  const header = await archive.getHeader();
  const metadata = await archive.getMetadata();
  const ids = new Set(metadata.vector_layers.map((l) => l.id));
  const used = new Set(style.layers.filter((l) => l["source-layer"]).map((l) => l["source-layer"]));
  assert.ok(used.size >= 7, [...used].join(", "));
  for (const l of used) assert.ok(ids.has(l), `the style reads "${l}", the archive has ${[...ids].join(", ")}`);
  assert.equal(header.minZoom, 0);
  assert.equal(header.maxZoom, 14);
  // Each layer from its own minzoom (labels from 9–12) to the map's most
  // (17, MapLibre over-zooms from 14): none starts past the archive's.
  for (const l of style.layers) assert.ok((l.minzoom ?? 0) <= header.maxZoom, l.id);
  for (const l of metadata.vector_layers) assert.deepEqual([l.minzoom, l.maxzoom], [0, 14], l.id);
  assert.ok(metadata.attribution, "the archive carries its attribution");
  // The style's one source is the archive, with every collection's attribution.
  const vector = Object.entries(style.sources).filter(([, s]) => s.type === "vector");
  assert.deepEqual(vector.map(([id, s]) => [id, s.url]), [["gapmap_archive", `pmtiles://${env.tilesOrigin}/gapmap.pmtiles`]]);
  const server = await (await fetch(`${env.server.url}/styles/gapmap.json`)).json();
  const own = [...new Set(Object.values(server.sources).map((s) => s.attribution).filter(Boolean))];
  assert.deepEqual(vector[0][1].attribution.split(" | ").sort(), own.sort());
});

/** The ids of the features each tile layer draws now, by layer. */
async function drawn(page) {
  return page.evaluate(() => {
    const map = window.gapmapMap;
    const out = {};
    for (const l of map.getStyle().layers) {
      if (!l["source-layer"]) continue;
      out[l.id] = [...new Set(map.queryRenderedFeatures({ layers: [l.id] }).map((f) => String(f.properties.id)))].sort();
    }
    return out;
  });
}

/** A view closer than the archive's z14: at a library, z15.5. */
async function closeView(page) {
  const at = await page.evaluate(() =>
    window.gapmapMap.getStyle().sources.places.data.features.find((f) => f.properties.icon === "gm-library").geometry.coordinates,
  );
  return { center: at, zoom: 15.5 };
}

/** Show every layer group with the switches. */
async function allOn(page) {
  for (const box of await page.locator("#layers input[name=layer]").all()) await box.check();
  await mapIdle(page);
}

test("the map reads its tiles from the archive on nginx with Range requests, none from /tiles, and draws what the server's tiles draw", { skip, timeout: 300000 }, async () => {
  // The page as the server sends it (no route): a routed page counts as
  // public to Chromium, which then refuses it the loopback nginx.
  const { context, page, problems } = await openPage(env.browser, env.server.url, { ignoreHTTPSErrors: true }, { proxy: false });
  const seen = [];
  const errors = [];
  page.on("request", (r) => seen.push(r));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  try {
    const res = await page.goto(`${env.server.url}/map`, { waitUntil: "networkidle" });
    assert.match(res.headers()["content-security-policy"], new RegExp(`connect-src 'self' ${env.tilesOrigin};`));
    assert.equal(await page.getAttribute("#map", "data-style"), "/styles/gapmap.json?tiles=archive");
    await mapIdle(page);
    assert.deepEqual(errors, [], "errors in the console");

    // Every layer from the archive; the places and parish names from the style.
    const sources = await page.evaluate(() => [...new Set(window.gapmapMap.getStyle().layers.map((l) => l.source).filter(Boolean))].sort());
    assert.deepEqual(sources, ["gapmap_archive", "parish_labels", "places"]);
    const opening = await drawn(page);
    for (const l of ["municipality-fill", "parishes-line", "clusters-fill", "clusters-line"]) {
      assert.ok(opening[l]?.length > 0, `${l} draws nothing from the archive`);
    }
    const names = await page.evaluate(() => new Set(window.gapmapMap.queryRenderedFeatures({ layers: ["parishes-label"] }).map((f) => f.properties.name)).size);
    assert.equal(names, 16);
    await shot(page, "map-pmtiles-opening-1280");
    // Every legend entry of a shown group is drawn.
    for (const e of await page.$$eval(".legend-group:not([hidden]) li[data-layer]", (lis) => lis.map((li) => li.dataset.layer))) {
      const n = await page.evaluate((l) => window.gapmapMap.queryRenderedFeatures({ layers: [l] }).length, e);
      assert.ok(n > 0, `legend entry ${e} is not drawn`);
    }
    // The stripes of simulated data (provenance) read the archive too.
    await allOn(page);
    const all = await drawn(page);
    const openView = await page.evaluate(() => ({ center: window.gapmapMap.getCenter().toArray(), zoom: window.gapmapMap.getZoom() }));
    for (const l of ["grid-fill", "grid-simulated", "coverage-fill", "coverage-simulated", "zones-line"]) {
      assert.ok(all[l]?.length > 0, `${l} draws nothing from the archive`);
    }
    const attribution = await page.locator(".maplibregl-ctrl-attrib-inner").innerText();
    assert.match(attribution, /simulated by gapmap/);
    assert.match(attribution, /EU 1 km statistical grid/);
    // Closer than the archive's z14: MapLibre over-zooms its tiles.
    const CLOSE = await closeView(page);
    await page.evaluate((view) => window.gapmapMap.jumpTo(view), CLOSE);
    await mapIdle(page);
    const close = await drawn(page);
    for (const l of ["municipality-fill", "grid-fill", "coverage-fill"]) {
      assert.ok(close[l]?.length > 0, `${l} draws nothing from the archive at z15.5: ${JSON.stringify(Object.entries(close).map(([k, v]) => [k, v.length]))}`);
    }

    // The archive came from nginx by Range; nothing from the server's /tiles.
    const tiles = seen.filter((r) => r.url().startsWith(`${env.tilesOrigin}/`));
    assert.ok(tiles.length >= 3, `${tiles.length} requests to nginx`);
    for (const r of tiles.filter((r) => r.method() === "GET")) {
      assert.match((await r.allHeaders()).range ?? "", /^bytes=\d+-\d+$/, r.url());
      const answer = await r.response();
      assert.equal(answer?.status(), 206, r.url());
    }
    const fromServer = seen.map((r) => r.url()).filter((u) => u.startsWith(`${env.server.url}/tiles/`));
    assert.deepEqual(fromServer, [], "requests to the server's tiles");
    const log = fs.readFileSync(path.join(env.nginxDir, "access.log"), "utf8");
    assert.match(log, /"GET \/gapmap\.pmtiles HTTP\/2\.0" 206 /);

    assert.deepEqual(await axe(page), [], "axe violations");
    assert.deepEqual(await cspViolations(page), [], "CSP violations");
    assert.deepEqual(problems, []);
    assert.deepEqual(errors, [], "errors in the console");
    await shot(page, "map-pmtiles-all-layers-z15-1280");

    // The same page on the server's own tiles draws the same features in
    // both views (and the requests above would have seen them: here they are).
    for (const [view, want] of [[openView, all], [CLOSE, close]]) {
      await page.evaluate((view) => {
        window.gapmapMap.setStyle("/styles/gapmap.json");
        window.gapmapMap.jumpTo(view);
      }, view);
      await page.waitForFunction(() => window.gapmapMap.getStyle()?.sources.municipality !== undefined);
      await page.evaluate(() => {
        const map = window.gapmapMap;
        for (const l of map.getStyle().layers) map.setLayoutProperty(l.id, "visibility", "visible");
      });
      await mapIdle(page);
      assert.deepEqual(await drawn(page), want, `server tiles at ${JSON.stringify(view)}`);
    }
    assert.ok(seen.some((r) => r.url().startsWith(`${env.server.url}/tiles/`)), "the server's tiles are seen once asked for");
  } finally {
    await context.close();
  }
});

test("without JavaScript the map page is the same list and legend", { skip, timeout: 120000 }, async () => {
  const { context, page } = await openPage(env.browser, env.server.url, { javaScriptEnabled: false });
  try {
    await page.goto(`${env.server.url}/map`, { waitUntil: "networkidle" });
    assert.ok((await page.locator("#in-view-list li").count()) >= 10);
    assert.ok((await page.locator(".legend li[data-layer]").count()) >= 10);
    assert.equal(await page.locator("#map noscript").count(), 1);
  } finally {
    await context.close();
  }
});
