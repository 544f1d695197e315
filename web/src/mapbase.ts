/**
 * What the maps share (the map page and the planner's maps): the symbols
 * drawn here (no sprite), the base map composed under gapmap's style, and
 * MapLibre's control labels from the catalogue.
 */
import * as maplibregl from "maplibre-gl";
import type { Messages } from "./messages";

/** Shapes per kind of place, and the stripes of simulated data. */
export function drawImage(id: string): { width: number; height: number; data: Uint8Array } | null {
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
export async function composedStyle(styleUrl: string, basemapUrl: string | undefined): Promise<maplibregl.StyleSpecification | string> {
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

export function locale(m: Messages): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of MAPLIBRE_KEYS) {
    const v = m.t(`js.ml.${k}`);
    if (v) out[k] = v;
  }
  return out;
}


/**
 * A map in `container` as every gapmap map is made: the worker, the view
 * (`data-view`: west,south,east,north), gapmap's style over the base map,
 * the catalogue's control labels, zoom buttons and the symbols drawn here.
 * Null when MapLibre cannot start (no WebGL): the page keeps its fallback.
 */
export async function createMap(container: HTMLElement, m: Messages, label: string): Promise<maplibregl.Map | null> {
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
      locale: locale(m),
    });
  } catch {
    return null;
  }
  map.getCanvas().setAttribute("aria-label", label);
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.setMissingStyleImageResolver((id) => {
    const img = drawImage(id);
    if (img && !map.hasImage(id)) map.addImage(id, img, { pixelRatio: 2 });
  });
  (window as unknown as { gapmapMap?: maplibregl.Map }).gapmapMap = map;
  return map;
}
