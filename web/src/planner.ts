/**
 * The planner's maps (`/plan/access-points`, `/plan/what-if`), loaded only
 * there. The pages are complete without this script: the tables are the
 * answer and the what-if form works without it.
 *
 * - access points: the new points as numbered circles (rank); a click
 *   shows the place and its year;
 * - what-if: a click places a hypothetical access point, fills the form's
 *   latitude and longitude, asks `POST /api/v1/plan/what-if` (same origin)
 *   and fills the server's empty result `<template>` with the answer, in
 *   the page's `aria-live` region.
 */
import * as maplibregl from "maplibre-gl";
import { createMap } from "./mapbase";
import { type Messages, messages } from "./messages";
import { type Lang, intWords, signedWords } from "./words";

const m = messages();

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" ? (v as Obj) : {});

/**
 * A count of residents as the answer publishes it: `o[k]` a number, or
 * (for the public, 1–4 residents) `null` with `k_min`/`k_max` beside it.
 */
export function count(o: Obj, k: string, lang: Lang): string {
  const v = o[k];
  if (typeof v === "number") return intWords(v, lang);
  const lo = o[`${k}_min`];
  const hi = o[`${k}_max`];
  return typeof lo === "number" && typeof hi === "number" ? `${lo}–${hi}` : "—";
}

/** A change: signed, or "—" when the answer has none (a range on a side). */
function change(v: unknown, lang: Lang): string {
  return typeof v === "number" ? signedWords(v, lang) : "—";
}

/** The what-if answer written into a copy of the page's empty result. */
export function fillResult(tpl: HTMLTemplateElement, v: Obj, where: string, msg: Messages): DocumentFragment {
  const lang = msg.lang;
  const frag = tpl.content.cloneNode(true) as DocumentFragment;
  const set = (sel: string, text: string) => {
    const e = frag.querySelector(sel);
    if (e) e.textContent = text;
  };
  set("#whatif-where", where);
  set('[data-figure="residents_newly_near_free_wifi"]', count(v, "residents_newly_near_free_wifi", lang));
  set('[data-figure="digitally_underserved_change"]', change(v.digitally_underserved_change, lang));
  const s = obj(v.summary);
  for (const tr of Array.from(frag.querySelectorAll<HTMLTableRowElement>("tr[data-key]"))) {
    const k = tr.dataset.key ?? "";
    const td = tr.querySelectorAll("td");
    if (td.length < 3) continue;
    td[0].textContent = count(obj(s.before), k, lang);
    td[1].textContent = count(obj(s.after), k, lang);
    td[2].textContent = change(obj(s.change)[k], lang);
  }
  const parishes = Array.isArray(v.parishes) ? (v.parishes as Obj[]) : [];
  for (const tr of Array.from(frag.querySelectorAll<HTMLTableRowElement>("tr[data-parish]"))) {
    const p = parishes.find((x) => x.id === tr.dataset.parish);
    const td = tr.querySelectorAll("td");
    if (!p || td.length < 3) continue;
    const d = obj(p.change).digitally_underserved;
    const before = count(obj(p.before), "digitally_underserved", lang);
    const after = count(obj(p.after), "digitally_underserved", lang);
    td[0].textContent = before;
    td[1].textContent = after;
    td[2].textContent = change(d, lang);
    tr.classList.toggle("changed", (typeof d === "number" && d !== 0) || before !== after);
  }
  return frag;
}

/** A map point: longitude, latitude, rank, name and its popup text. */
type MapPoint = [number, number, number, string, string?];

function pointCollection(points: MapPoint[]): maplibregl.GeoJSONSourceSpecification["data"] {
  return {
    type: "FeatureCollection",
    features: points.map(([lon, lat, rank, name, popup]) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: [lon, lat] },
      properties: { rank, name, popup: popup ?? name },
    })),
  };
}

/** A click on a numbered point shows its place and year (text only). */
function popups(map: maplibregl.Map, layer: string): void {
  map.on("click", layer, (e) => {
    const f = e.features?.[0];
    const text = f?.properties?.popup;
    if (typeof text !== "string" || f?.geometry.type !== "Point") return;
    const [lon, lat] = f.geometry.coordinates as [number, number];
    new maplibregl.Popup({ closeButton: true }).setLngLat([lon, lat]).setText(text).addTo(map);
  });
  map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
  map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
}

function addPoints(map: maplibregl.Map, id: string, data: maplibregl.GeoJSONSourceSpecification["data"], labelled: boolean): void {
  map.addSource(id, { type: "geojson", data });
  map.addLayer({
    id: `${id}-circle`,
    type: "circle",
    source: id,
    paint: {
      "circle-radius": labelled ? 11 : 10,
      "circle-color": "#D55E00",
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 2,
    },
  });
  if (labelled) {
    map.addLayer({
      id: `${id}-rank`,
      type: "symbol",
      source: id,
      layout: {
        "text-field": ["to-string", ["get", "rank"]],
        "text-font": ["DejaVu Sans Bold"],
        "text-size": 12,
        "text-allow-overlap": true,
      },
      paint: { "text-color": "#ffffff" },
    });
  }
}

async function whatIf(map: maplibregl.Map, lon: number, lat: number): Promise<void> {
  const out = document.getElementById("whatif-figures");
  const tpl = document.getElementById("whatif-template") as HTMLTemplateElement | null;
  if (!out || !tpl) return;
  const src = map.getSource("whatif-point") as maplibregl.GeoJSONSource | undefined;
  src?.setData(pointCollection([[lon, lat, 0, ""]]));
  const latIn = document.getElementById("lat") as HTMLInputElement | null;
  const lonIn = document.getElementById("lon") as HTMLInputElement | null;
  if (latIn) latIn.value = lat.toFixed(5);
  if (lonIn) lonIn.value = lon.toFixed(5);
  const status = document.createElement("p");
  status.textContent = m.t("planner.js.working");
  out.replaceChildren(status);
  try {
    const r = await fetch("/api/v1/plan/what-if", {
      method: "POST",
      headers: { "Content-Type": "application/geo+json", Accept: "application/json" },
      body: JSON.stringify({
        type: "FeatureCollection",
        features: [{ type: "Feature", geometry: { type: "Point", coordinates: [lon, lat] }, properties: {} }],
      }),
    });
    if (!r.ok) throw new Error(String(r.status));
    const v = (await r.json()) as Obj;
    const where = m.t("planner.js.at", { lat: lat.toFixed(5), lon: lon.toFixed(5) });
    out.replaceChildren(fillResult(tpl, v, where, m));
  } catch {
    status.textContent = m.t("planner.js.error");
  }
}

async function start(container: HTMLElement): Promise<void> {
  const map = await createMap(container, m, container.dataset.label ?? "");
  if (!map) return;
  map.once("load", () => {
    container.querySelector(".maplibregl-ctrl-attrib")?.classList.remove("maplibregl-compact-show");
    if (container.dataset.mode === "access-points") {
      let points: MapPoint[] = [];
      try {
        points = JSON.parse(container.dataset.points ?? "[]");
      } catch {
        points = [];
      }
      addPoints(map, "planner-points", pointCollection(points), true);
      popups(map, "planner-points-circle");
    } else if (container.dataset.mode === "what-if") {
      const at = (container.dataset.point ?? "").split(",").map(Number);
      const start = at.length === 2 && at.every(Number.isFinite) ? [[at[0], at[1], 0, ""] as MapPoint] : [];
      addPoints(map, "whatif-point", pointCollection(start), false);
      map.getCanvas().style.cursor = "crosshair";
      map.on("click", (e) => void whatIf(map, e.lngLat.lng, e.lngLat.lat));
    }
  });
}

const el = document.getElementById("plan-map") as HTMLElement | null;
if (el) void start(el);
