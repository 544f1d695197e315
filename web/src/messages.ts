/**
 * The page's messages for scripts: the `js.` keys of the catalogue in the
 * page's language, handed over by the server in
 * `<script type="application/json" id="gm-messages">` (data, not code, so
 * the page's Content-Security-Policy allows it).
 */
import { type Lang, plural } from "./words";

export interface Messages {
  lang: Lang;
  t(key: string, args?: Record<string, string | number>): string;
  tn(key: string, n: number): string;
}

export function messages(doc: Document = document): Messages {
  let table: Record<string, string> = {};
  try {
    table = JSON.parse(doc.getElementById("gm-messages")?.textContent ?? "{}");
  } catch {
    table = {};
  }
  const lang: Lang = doc.documentElement.lang === "en" ? "en" : "lv";
  const t = (key: string, args: Record<string, string | number> = {}) => {
    let s = table[key] ?? "";
    for (const [k, v] of Object.entries(args)) s = s.split(`{${k}}`).join(String(v));
    return s;
  };
  const tn = (key: string, n: number) => {
    const form = `${key}.${plural(lang, n)}`;
    return t(form in table ? form : `${key}.other`, { n });
  };
  return { lang, t, tn };
}
