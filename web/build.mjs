// Build the front end into dist/ (served by `gapmap serve`):
//   dist/static/<name>.<hash>.{js,css,mjs} (+ .gz)  fingerprinted, cached a year
//   dist/static/glyphs-<hash>/<fontstack>/<range>.pbf  map label glyphs
//   dist/manifest.json                               logical name -> file
// Usage: node build.mjs [--glyphs-bin PATH] [--tests]
//   --glyphs-bin: the gapmap-glyphs tool (default ../target/release/gapmap-glyphs)
//   --tests: only bundle test/*.test.ts into dist-test/ for `node --test`.
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const here = path.dirname(new URL(import.meta.url).pathname);
const dist = path.join(here, "dist");
const staticDir = path.join(dist, "static");
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};

/** The fonts the map's labels are drawn with (Debian fonts-dejavu-core). */
const FONTS = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
];

function hashOf(buf) {
  return createHash("sha256").update(buf).digest("hex").slice(0, 10);
}

async function tests() {
  const out = path.join(here, "dist-test");
  fs.rmSync(out, { recursive: true, force: true });
  const entries = fs.readdirSync(path.join(here, "test")).filter((f) => f.endsWith(".test.ts"));
  await esbuild.build({
    entryPoints: entries.map((f) => path.join(here, "test", f)),
    outdir: out,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
}

/**
 * Name every npm package bundled into a script in its `.LEGAL.txt` (esbuild
 * keeps only the packages' own license comments, and some ship none, e.g.
 * pmtiles): name, version, licence, and the package's licence file if it
 * ships one.
 */
function noticeBundledPackages(metafile) {
  for (const [file, meta] of Object.entries(metafile.outputs)) {
    if (!meta.entryPoint || !file.endsWith(".js")) continue;
    const pkgs = new Set();
    for (const input of Object.keys(meta.inputs)) {
      const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
      if (m) pkgs.add(m[1]);
    }
    if (pkgs.size === 0) continue;
    const parts = ["", "Bundled npm packages (package-lock.json):"];
    for (const name of [...pkgs].sort()) {
      const dir = path.join(here, "node_modules", name);
      const pj = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      const licence = fs.readdirSync(dir).find((f) => /^licen[cs]e(\.(md|txt))?$/i.test(f));
      parts.push("", `${name} ${pj.version} (${pj.license ?? "licence not stated"})${licence ? ":" : ": the package ships no licence text"}`);
      if (licence) parts.push(fs.readFileSync(path.join(dir, licence), "utf8").trim());
    }
    const legal = path.resolve(`${file}.LEGAL.txt`); // metafile paths are relative to the working directory
    const before = fs.existsSync(legal) ? fs.readFileSync(legal, "utf8").trimEnd() : "Bundled license information:";
    fs.writeFileSync(legal, `${before}\n${parts.join("\n")}\n`);
  }
}

async function build() {
  fs.rmSync(dist, { recursive: true, force: true });
  fs.mkdirSync(staticDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: {
      finder: path.join(here, "src/finder.ts"),
      map: path.join(here, "src/map.ts"),
      planner: path.join(here, "src/planner.ts"),
      site: path.join(here, "src/site.css"),
      "map-style": path.join(here, "src/map.css"),
      print: path.join(here, "src/print.css"),
    },
    outdir: staticDir,
    entryNames: "[name].[hash]",
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2020", "chrome100", "firefox100", "safari15"],
    legalComments: "linked",
    metafile: true,
    logLevel: "warning",
    loader: { ".json": "json" },
  });
  const manifest = {};
  const names = { finder: "finder.js", map: "map.js", planner: "planner.js", site: "site.css", "map-style": "map.css", print: "print.css" };
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (!meta.entryPoint) continue;
    const base = path.basename(file);
    const logical = names[base.split(".")[0]];
    if (logical) manifest[logical] = base;
  }
  noticeBundledPackages(result.metafile);

  // MapLibre's worker, as shipped, under a fingerprinted name (setWorkerUrl).
  const worker = fs.readFileSync(path.join(here, "node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs"));
  const workerName = `maplibre-gl-worker.${hashOf(worker)}.mjs`;
  fs.writeFileSync(path.join(staticDir, workerName), worker);
  manifest["maplibre-worker.js"] = workerName;

  // Glyphs from the local fonts.
  const bin = arg("--glyphs-bin", path.join(here, "../target/release/gapmap-glyphs"));
  const fonts = FONTS.filter((f) => fs.existsSync(f));
  if (fs.existsSync(bin) && fonts.length === FONTS.length) {
    const tmp = path.join(staticDir, "glyphs-tmp");
    execFileSync(bin, [...fonts, "--out", tmp], { stdio: ["ignore", "ignore", "inherit"] });
    const h = createHash("sha256");
    const walk = (d) =>
      fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).forEach((e) => {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else h.update(e.name).update(fs.readFileSync(p));
      });
    walk(tmp);
    const dir = `glyphs-${h.digest("hex").slice(0, 10)}`;
    fs.renameSync(tmp, path.join(staticDir, dir));
    manifest.glyphs = dir;
  } else {
    console.warn(`build: no glyphs (need ${bin} and ${FONTS.join(", ")}): the map has no labels`);
  }

  // A gzip copy of every script and style sheet, for the server to send.
  for (const f of fs.readdirSync(staticDir)) {
    if (/\.(js|mjs|css)$/.test(f)) {
      const p = path.join(staticDir, f);
      fs.writeFileSync(`${p}.gz`, zlib.gzipSync(fs.readFileSync(p), { level: 9 }));
    }
  }
  fs.writeFileSync(path.join(dist, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const sizes = Object.entries(manifest)
    .filter(([, f]) => fs.existsSync(path.join(staticDir, `${f}.gz`)))
    .map(([k, f]) => `${k} ${(fs.statSync(path.join(staticDir, `${f}.gz`)).size / 1024).toFixed(1)} KiB gz`);
  console.log(`web: built dist/ (${sizes.join(", ")})`);
}

await (args.includes("--tests") ? tests() : build());
