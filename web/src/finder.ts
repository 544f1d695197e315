/**
 * Enhancements of the server-rendered pages (loaded on every page; each
 * part looks for its elements and does nothing without them):
 * - search suggestions as you type (the ARIA 1.2 combobox pattern; the
 *   form still submits as a plain GET without this script);
 * - "use my location" (browser geolocation, with a plain message when it is
 *   refused or impossible), on the finder and on the report form (where it
 *   fills the form's point);
 * - the leaflet's print button.
 */
import { placeHref } from "./links";
import { messages, type Messages } from "./messages";
import { distinctLines, saysKind } from "./text";

interface Hit {
  id: string;
  properties: { name: string; type: string; parish_id: string | null };
}

function suggestions(m: Messages): void {
  const input = document.getElementById("q") as HTMLInputElement | null;
  const form = document.getElementById("search-form") as HTMLFormElement | null;
  if (!input || !form) return;
  const box = input.parentElement as HTMLElement;
  const list = document.createElement("ul");
  list.id = "q-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", m.t("js.suggestions_label"));
  list.hidden = true;
  box.appendChild(list);
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.appendChild(status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  let hits: Hit[] = [];
  let active = -1;
  let timer: number | undefined;
  let pending: AbortController | undefined;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const mark = (i: number) => {
    active = i;
    for (const [j, li] of Array.from(list.children).entries()) {
      li.setAttribute("aria-selected", String(j === i));
    }
    if (i >= 0) input.setAttribute("aria-activedescendant", `q-opt-${i}`);
    else input.removeAttribute("aria-activedescendant");
  };
  const go = (i: number) => {
    const h = hits[i];
    if (h) window.location.assign(placeHref(h.id, m.lang));
  };
  const render = () => {
    list.replaceChildren(
      ...hits.map((h, i) => {
        const li = document.createElement("li");
        li.id = `q-opt-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        const name = document.createElement("span");
        name.className = "suggestion-name";
        name.textContent = h.properties.name;
        li.append(name);
        const kind = m.t(`js.hit.${h.properties.type}`);
        if (!saysKind(h.properties.name, kind)) {
          const type = document.createElement("span");
          type.className = "muted";
          type.textContent = ` ${kind}`;
          li.append(type);
        }
        li.addEventListener("mousedown", (e) => e.preventDefault());
        li.addEventListener("click", () => go(i));
        return li;
      }),
    );
    list.hidden = hits.length === 0;
    input.setAttribute("aria-expanded", String(hits.length > 0));
    status.textContent = m.tn("js.suggestions", hits.length);
    mark(-1);
  };
  const fetchHits = async (q: string) => {
    pending?.abort();
    pending = new AbortController();
    try {
      const r = await fetch(`/api/v1/search?${new URLSearchParams({ q, limit: "6" })}`, {
        signal: pending.signal,
        headers: { Accept: "application/geo+json" },
      });
      if (!r.ok) return;
      const body = (await r.json()) as { features: Hit[] };
      if (input.value.trim() !== q) return;
      hits = distinctLines(body.features, (h) => `${h.properties.name}\u0000${h.properties.type}\u0000${h.properties.parish_id ?? ""}`);
      render();
    } catch {
      /* aborted or offline: the form still works */
    }
  };
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) {
      hits = [];
      close();
      status.textContent = "";
      return;
    }
    timer = window.setTimeout(() => void fetchHits(q), 150);
  });
  input.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      mark((active + 1) % hits.length);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      mark(active <= 0 ? hits.length - 1 : active - 1);
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      go(active);
    } else if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", () => window.setTimeout(close, 100));
}

function locate(m: Messages): void {
  const box = document.getElementById("locate-box");
  const button = document.getElementById("locate");
  const message = document.getElementById("locate-message");
  if (!box || !button || !message) return;
  box.hidden = false;
  button.addEventListener("click", () => {
    if (!("geolocation" in navigator)) {
      message.textContent = m.t("js.locate_unsupported");
      return;
    }
    message.textContent = m.t("js.locating");
    navigator.geolocation.getCurrentPosition(
      (p) => {
        const q = new URLSearchParams({
          lon: p.coords.longitude.toFixed(5),
          lat: p.coords.latitude.toFixed(5),
        });
        if (m.lang === "en") q.set("lang", "en");
        window.location.assign(`/?${q}`);
      },
      (err) => {
        message.textContent = m.t(err.code === err.PERMISSION_DENIED ? "js.locate_denied" : "js.locate_failed");
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 },
    );
  });
}

/** The report form's "add my location": fills the hidden `lon`/`lat`. */
function reportLocate(m: Messages): void {
  const box = document.getElementById("report-locate-box");
  const button = document.getElementById("report-locate");
  const note = document.getElementById("point-note");
  const lon = document.getElementById("lon") as HTMLInputElement | null;
  const lat = document.getElementById("lat") as HTMLInputElement | null;
  if (!box || !button || !note || !lon || !lat) return;
  if (!("geolocation" in navigator)) return;
  box.hidden = false;
  button.addEventListener("click", () => {
    note.textContent = m.t("js.locating");
    navigator.geolocation.getCurrentPosition(
      (p) => {
        lon.value = p.coords.longitude.toFixed(5);
        lat.value = p.coords.latitude.toFixed(5);
        note.textContent = m.t("js.point_added");
      },
      (err) => {
        note.textContent = m.t(err.code === err.PERMISSION_DENIED ? "js.locate_denied" : "js.locate_failed");
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 },
    );
  });
}

function printButton(): void {
  const b = document.getElementById("print-button");
  if (!b) return;
  b.hidden = false;
  b.addEventListener("click", () => window.print());
}

const m = messages();
suggestions(m);
locate(m);
reportLocate(m);
printButton();
