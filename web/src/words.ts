/**
 * Numbers, distances and opening hours in plain words, as the server
 * writes them (crates/gapmap-server/src/pages/words.rs).
 */

export type Lang = "lv" | "en";

/** The CLDR plural category: Latvian zero|one|other, English one|other (0 → zero). */
export function plural(lang: Lang, n: number): "zero" | "one" | "other" {
  if (lang === "lv") {
    if (n % 10 === 0 || (n % 100 >= 11 && n % 100 <= 19)) return "zero";
    return n % 10 === 1 ? "one" : "other";
  }
  return n === 0 ? "zero" : n === 1 ? "one" : "other";
}

function group(lang: Lang, n: number): string {
  const sep = lang === "lv" ? "\u00a0" : ",";
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

/** A straight-line distance: "350 m", "1,2 km" (lv) / "1.2 km" (en), "12 km". */
export function distanceWords(m: number, lang: Lang): string {
  if (m < 950) return `${Math.max(10, Math.round(m / 10) * 10)}\u00a0m`;
  if (m < 9950) {
    const s = (m / 1000).toFixed(1);
    return `${lang === "lv" ? s.replace(".", ",") : s}\u00a0km`;
  }
  return `${group(lang, m / 1000)}\u00a0km`;
}

/** `["09:00-12:00", "13:00-24:00"]` → "9:00–12:00, 13:00–24:00". */
export function hoursText(intervals: readonly string[]): string {
  return intervals
    .map((i) =>
      i
        .split("-")
        .map((hm) => {
          const [h, m = "00"] = hm.split(":");
          return `${Number(h)}:${m.padStart(2, "0")}`;
        })
        .join("–"),
    )
    .join(", ");
}

export interface OpenText {
  state: "open" | "closed" | "unknown";
  text: string;
}

/**
 * "Open now" in words from the API's `open_now` and `hours_today`:
 * "9:00–17:00 · Open now", "closed today · Closed", or "Opening hours not
 * known" — never a guess when the hours are unknown.
 */
export function openNowText(
  open: boolean | null | undefined,
  hoursToday: readonly string[] | null | undefined,
  msg: (key: string) => string,
): OpenText {
  const hours =
    hoursToday == null ? null : hoursToday.length === 0 ? msg("js.closed_today") : hoursText(hoursToday);
  if (open == null) return { state: "unknown", text: msg("js.unknown") };
  const word = open ? msg("js.open") : msg("js.closed");
  return { state: open ? "open" : "closed", text: hours ? `${hours} · ${word}` : word };
}

/** Metres between two WGS84 points (haversine; for sorting and words only). */
export function metresBetween(a: [number, number], b: [number, number]): number {
  const r = 6371008.8;
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(h));
}

/** A whole number as the server writes it (lv `33 348` with a no-break space, en `33,348`). */
export function intWords(n: number, lang: Lang): string {
  const digits = String(Math.abs(Math.round(n)));
  const sep = lang === "lv" ? "\u00a0" : ",";
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += sep;
    out += digits[i];
  }
  return out;
}

/** A change with its sign: "+1 234", "−12" (a true minus), "0". */
export function signedWords(n: number, lang: Lang): string {
  const s = intWords(n, lang);
  return n > 0 ? `+${s}` : n < 0 ? `\u2212${s}` : s;
}

/** "Kartē: a, b un c." — what the map shows, from the switched-on layers'
 * words (the server writes the same sentence for the opening view). */
export function shownSentence(words: string[], template: string, and: string, nothing: string): string {
  if (words.length === 0) return nothing;
  const list = words.length === 1 ? words[0] : `${words.slice(0, -1).join(", ")} ${and} ${words[words.length - 1]}`;
  return template.split("{list}").join(list);
}
