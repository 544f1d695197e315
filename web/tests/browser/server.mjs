// A real gapmap server for the browser tests: a store built from the
// embedded dataset plus the VZD register fixture (its rows that agree with
// themselves), served on a free port (`--port 0`).
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");
export const BIN = process.env.GAPMAP_BIN || path.join(ROOT, "target/release/gapmap");
const GEODATA = path.join(ROOT, "geodata/jelgava");
const FILES = ["areas.geojson", "settlements.geojson", "sites.geojson", "priority_zones.geojson", "coverage.geojson", "demand.csv", "plan.json"];

/** The register fixture without line 5, which disagrees with itself on purpose. */
function registerFixture(dir) {
  const src = path.join(ROOT, "tests/fixtures/registers/aw_eka_new.csv");
  const lines = fs.readFileSync(src, "utf8").split("\n");
  const out = path.join(dir, "aw_eka.csv");
  fs.writeFileSync(out, lines.filter((_, i) => i !== 4).join("\n"));
  return out;
}

/** The account the staff pages are tested with. */
export const EDITOR = { username: "ilze", password: "a long test password" };

/**
 * Build the store and serve it. `prepare({ store, dir, run })`, if given,
 * runs between the two and returns more environment for `gapmap serve`
 * (e.g. an export of the store and `GAPMAP_TILES_URL`).
 */
export async function startServer({ prepare } = {}) {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is not built (make build)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gapmap-web-"));
  const store = path.join(dir, "store.gpkg");
  const run = (...args) => execFileSync(BIN, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, RUST_LOG: "warn" } });
  run("ingest", "--store", store, ...FILES.map((f) => path.join(GEODATA, f)));
  run("ingest", "--store", store, "--layer", "demand", "--format", "vzd-address", "--source", "simulated",
    "--source-ref", "tests/fixtures/registers (synthetic)", "--as-of", "2026-11-25", registerFixture(dir));
  // An editor for the staff pages (tests sign in as EDITOR).
  execFileSync(BIN, ["user", "add", EDITOR.username, "--role", "admin", "--password-stdin", "--store", store], {
    input: EDITOR.password + "\n",
    stdio: ["pipe", "ignore", "pipe"],
    env: { ...process.env, RUST_LOG: "warn" },
  });
  const extra = prepare ? await prepare({ store, dir, run }) : {};
  const proc = spawn(BIN, ["serve", "--store", store, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: "warn", ...extra },
  });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`gapmap serve printed no address: ${stderr}`)), 60000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/(127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    });
    proc.on("exit", (code) => reject(new Error(`gapmap serve exited ${code}: ${stderr}`)));
  });
  return {
    url,
    dir,
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((r) => proc.once("exit", r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Content-Security-Policy the hardening middleware sets (issue 14). */
export const CSP =
  "default-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; style-src 'self'; script-src 'self'; " +
  "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
];

/** Where screenshots are kept (gitignored; CI keeps them as artefacts). */
export const SHOTS = path.join(ROOT, "web/test-results/screenshots");
