/**
 * The map page: MapLibre GL JS (bundled from the lockfile, its worker served
 * from a fingerprinted file through `setWorkerUrl`, so the page works under
 * `worker-src 'self'`), the gapmap style with local glyphs, layer toggles,
 * shapes per kind of place and a stripe pattern for simulated data (drawn
 * here, no sprite), and the list of places in view kept in step with the
 * map. `cooperativeGestures` keeps a page scroll on a phone from dragging
 * the map; the map never holds the keyboard focus (Tab moves on).
 */
import * as maplibregl from "maplibre-gl";
import { placeHref } from "./links";
import { messages } from "./messages";
import { distanceWords, metresBetween } from "./words";

const m = messages();
const el = document.getElementById("map") as HTMLElement | null;

/** Shapes per kind of place, and the stripes of simulated data. */
function drawImage(id: string): { width: number; height: number; data: Uint8Array } | null {
  const px = 2; // drawn at twice the size for sharp screens
  const size = id === "gm-hatch" ? 8 * px : 24 * px;
  const c = document.createElement("canvas");
  c.width = size;
  c.height = size;
  const g = c.getContext("2d");
  if (!g) return null;
  g.lineWidth = 2 * px;
  g.strokeStyle = "#ffffff";
  const s = size;
  switch (id) {
    case "gm-hatch":
      g.strokeStyle = "rgba(0,0,0,0.55)";
      g.lineWidth = 1.2 * px;
      g.beginPath();
      g.moveTo(0, s);
      g.lineTo(s, 0);
      g.moveTo(-s / 2, s / 2);
      g.lineTo(s / 2, -s / 2);
      g.moveTo(s / 2, s * 1.5);
      g.lineTo(s * 1.5, s / 2);
      g.stroke();
      break;
    case "gm-wifi":
      g.fillStyle = "#009E73";
      g.beginPath();
      g.arc(s / 2, s / 2, s / 2 - 2 * px, 0, Math.PI * 2);
      g.fill();
      g.stroke();
      break;
    case "gm-library":
      g.fillStyle = "#0072B2";
      g.fillRect(3 * px, 3 * px, s - 6 * px, s - 6 * px);
      g.strokeRect(3 * px, 3 * px, s - 6 * px, s - 6 * px);
      break;
    case "gm-kac":
      g.fillStyle = "#CC79A7";
      g.beginPath();
      g.moveTo(s / 2, 1.5 * px);
      g.lineTo(s - 1.5 * px, s - 2 * px);
      g.lineTo(1.5 * px, s - 2 * px);
      g.closePath();
      g.fill();
      g.stroke();
      break;
    case "gm-other":
      g.fillStyle = "#555555";
      g.beginPath();
      g.moveTo(s / 2, 2 * px);
      g.lineTo(s - 2 * px, s / 2);
      g.lineTo(s / 2, s - 2 * px);
      g.lineTo(2 * px, s / 2);
      g.closePath();
      g.fill();
      g.stroke();
      break;
    default:
      return null;
  }
  const img = g.getImageData(0, 0, size, size);
  return { width: size, height: size, data: new Uint8Array(img.data.buffer) };
}

/** The base map's style with gapmap's sources and layers on top. */
async function composedStyle(styleUrl: string, basemapUrl: string | undefined): Promise<maplibregl.StyleSpecification | string> {
  if (!basemapUrl) return styleUrl;
  const [base, ours] = await Promise.all(
    [basemapUrl, styleUrl].map(async (u) => (await fetch(u)).json() as Promise<maplibregl.StyleSpecification>),
  );
  return {
    ...base,
    sources: { ...base.sources, ...ours.sources },
    layers: [...base.layers, ...ours.layers.filter((l) => l.id !== "background")],
  };
}

function groupOf(layer: maplibregl.LayerSpecification): string | undefined {
  const md = layer.metadata as Record<string, unknown> | undefined;
  return typeof md?.["gapmap:group"] === "string" ? (md["gapmap:group"] as string) : undefined;
}

function kindWord(p: Record<string, unknown>): string {
  if (p.free_wifi === true) return m.t("js.kind.wifi");
  if (p.kind === "library") return m.t("js.kind.library");
  if (p.kind === "kac") return m.t("js.kind.kac");
  return m.t("js.kind.other");
}

async function start(container: HTMLElement): Promise<void> {
  const worker = container.dataset.worker;
  if (worker) maplibregl.setWorkerUrl(worker);
  const view = (container.dataset.view ?? "").split(",").map(Number);
  const style = await composedStyle(container.dataset.style ?? "/styles/gapmap.json", container.dataset.basemap);
  let map: maplibregl.Map;
  try {
    map = new maplibregl.Map({
      container,
      style,
      bounds: view.length === 4 && view.every(Number.isFinite) ? (view as [number, number, number, number]) : undefined,
      fitBoundsOptions: { padding: 16 },
      cooperativeGestures: true,
      attributionControl: { compact: true },
      maxZoom: 17,
      locale: locale(),
    });
  } catch {
    const fallback = document.getElementById("map-fallback");
    if (fallback) fallback.hidden = false;
    return;
  }
  map.getCanvas().setAttribute("aria-label", m.t("js.map_label"));
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.setMissingStyleImageResolver((id) => {
    const img = drawImage(id);
    if (img && !map.hasImage(id)) map.addImage(id, img, { pixelRatio: 2 });
  });
  (window as unknown as { gapmapMap?: maplibregl.Map }).gapmapMap = map;

  // Layer toggles.
  const form = document.getElementById("layers") as HTMLFormElement | null;
  const boxes = Array.from(form?.querySelectorAll<HTMLInputElement>("input[name=layer]") ?? []);
  const apply = () => {
    const on = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    for (const l of map.getStyle().layers) {
      const g = groupOf(l);
      if (g && g !== "base") map.setLayoutProperty(l.id, "visibility", on.has(g) ? "visible" : "none");
    }
  };
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
    if (!list || !count || !map.getLayer("places-symbol")) return;
    const c = map.getCenter();
    const seen = new Map<string, { name: string; what: string; d: number }>();
    const visible = map.getLayoutProperty("places-symbol", "visibility") !== "none";
    for (const f of visible ? map.queryRenderedFeatures({ layers: ["places-symbol"] }) : []) {
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
}

/** MapLibre's control labels from the catalogue (`js.ml.<MapLibre key>`). */
const MAPLIBRE_KEYS = [
  "NavigationControl.ZoomIn",
  "NavigationControl.ZoomOut",
  "NavigationControl.ResetBearing",
  "AttributionControl.ToggleAttribution",
  "AttributionControl.MapFeedback",
  "FullscreenControl.Enter",
  "FullscreenControl.Exit",
  "GeolocateControl.FindMyLocation",
  "GeolocateControl.LocationNotAvailable",
  "LogoControl.Title",
  "Map.Title",
  "Marker.Title",
  "ScaleControl.Feet",
  "ScaleControl.Meters",
  "ScaleControl.Kilometers",
  "GlobeControl.Enable",
  "GlobeControl.Disable",
  "TerrainControl.Enable",
  "TerrainControl.Disable",
  "CooperativeGesturesHandler.WindowsHelpText",
  "CooperativeGesturesHandler.MacHelpText",
  "CooperativeGesturesHandler.MobileHelpText",
];

function locale(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of MAPLIBRE_KEYS) {
    const v = m.t(`js.ml.${k}`);
    if (v) out[k] = v;
  }
  return out;
}

if (el) void start(el);
