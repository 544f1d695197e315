/**
 * The map page: MapLibre GL JS (bundled from the lockfile, its worker served
 * from a fingerprinted file through `setWorkerUrl`, so the page works under
 * `worker-src 'self'`), the gapmap style with local glyphs, layer toggles,
 * shapes per kind of place and a stripe pattern for simulated data (drawn
 * here, no sprite), and the list of places in view kept in step with the
 * map. `cooperativeGestures` keeps a page scroll on a phone from dragging
 * the map; the map never holds the keyboard focus (Tab moves on). The
 * switches also show each layer's legend and keep the sentence under the
 * map saying what it shows.
 *
 * With `[web] tiles_url` the page's style (`?tiles=archive`) reads every
 * tileset from one PMTiles archive on static hosting (`pmtiles://…`): the
 * PMTiles protocol for MapLibre (npm `pmtiles`, bundled here) reads it with
 * HTTP Range requests from this window, so the page's `connect-src` names
 * the archive's origin.
 */
import * as maplibregl from "maplibre-gl";
import { Protocol } from "pmtiles";
import { placeHref } from "./links";
import { createMap } from "./mapbase";
import { messages } from "./messages";
import { distanceWords, metresBetween, shownSentence } from "./words";

/** The place layers the list beside the map reads. */
const PLACE_LAYERS = ["places-symbol", "wifi-symbol"];

const m = messages();
const el = document.getElementById("map") as HTMLElement | null;

function groupOf(layer: maplibregl.LayerSpecification): string | undefined {
  const md = layer.metadata as Record<string, unknown> | undefined;
  return typeof md?.["gapmap:group"] === "string" ? (md["gapmap:group"] as string) : undefined;
}

/** What a place is, from the style's `places` source (`free_wifi`, `icon`). */
function kindWord(p: Record<string, unknown>): string {
  if (p.free_wifi === true) return m.t("js.kind.wifi");
  if (p.icon === "gm-library") return m.t("js.kind.library");
  if (p.icon === "gm-kac") return m.t("js.kind.kac");
  return m.t("js.kind.other");
}

async function start(container: HTMLElement): Promise<void> {
  maplibregl.addProtocol("pmtiles", new Protocol().tile as maplibregl.AddProtocolAction);
  const map = await createMap(container, m, m.t("js.map_label"));
  if (!map) {
    const fallback = document.getElementById("map-fallback");
    if (fallback) fallback.hidden = false;
    return;
  }

  // Layer toggles.
  const form = document.getElementById("layers") as HTMLFormElement | null;
  const boxes = Array.from(form?.querySelectorAll<HTMLInputElement>("input[name=layer]") ?? []);
  const sentence = document.getElementById("map-sentence");
  const apply = () => {
    const on = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    for (const l of map.getStyle().layers) {
      const g = groupOf(l);
      if (g && g !== "base") map.setLayoutProperty(l.id, "visibility", on.has(g) ? "visible" : "none");
    }
    for (const g of Array.from(document.querySelectorAll<HTMLElement>(".legend-group[data-group]"))) {
      g.hidden = !on.has(g.dataset.group ?? "");
    }
    if (sentence) {
      const words = boxes.filter((b) => b.checked).map((b) => b.dataset.shown ?? b.value);
      const d = sentence.dataset;
      sentence.textContent = shownSentence(words, d.template ?? "{list}", d.and ?? "", d.nothing ?? "");
    }
  };
  // The switches' state from the first drawing on.
  map.once("styledata", apply);
  map.once("load", () => {
    // Start with the data sources folded away (the (i) button opens them).
    container.querySelector(".maplibregl-ctrl-attrib")?.classList.remove("maplibregl-compact-show");
    for (const b of boxes) {
      b.disabled = false;
      b.addEventListener("change", apply);
    }
    apply();
  });

  // The list of places in view.
  const list = document.getElementById("in-view-list");
  const count = document.getElementById("in-view-count");
  let timer: number | undefined;
  const update = () => {
    const layers = PLACE_LAYERS.filter((l) => map.getLayer(l) && map.getLayoutProperty(l, "visibility") !== "none");
    if (!list || !count || !map.getLayer("places-symbol")) return;
    const c = map.getCenter();
    const seen = new Map<string, { name: string; what: string; d: number }>();
    for (const f of layers.length ? map.queryRenderedFeatures({ layers }) : []) {
      const p = f.properties as Record<string, unknown>;
      const id = String(p.id);
      if (seen.has(id) || f.geometry.type !== "Point") continue;
      const [lon, lat] = f.geometry.coordinates as [number, number];
      seen.set(id, { name: String(p.name), what: kindWord(p), d: metresBetween([c.lng, c.lat], [lon, lat]) });
    }
    const items = [...seen.entries()].sort((a, b) => a[1].d - b[1].d).slice(0, 200);
    list.replaceChildren(
      ...items.map(([id, v]) => {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = placeHref(`site:${id}`, m.lang);
        a.textContent = v.name;
        const small = document.createElement("span");
        small.className = "muted";
        small.textContent = ` ${v.what}, ${distanceWords(v.d, m.lang)} ${m.t("js.from_centre")}`;
        li.append(a, small);
        return li;
      }),
    );
    count.textContent = m.tn("js.in_view", seen.size);
  };
  map.on("idle", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 200);
  });

  // "Report a problem here": the report form with the map's centre as its point.
  const reportHere = document.getElementById("report-here") as HTMLAnchorElement | null;
  const aim = () => {
    if (!reportHere) return;
    const c = map.getCenter();
    const u = new URL(reportHere.dataset.base ?? "/report", window.location.href);
    u.searchParams.set("lon", c.lng.toFixed(5));
    u.searchParams.set("lat", c.lat.toFixed(5));
    reportHere.href = `${u.pathname}${u.search}`;
  };
  map.on("moveend", aim);
  map.once("load", aim);
}

if (el) void start(el);
