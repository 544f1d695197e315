/**
 * Folding text for search as the server's gazetteer does for Latin scripts
 * (crates/gapmap-core/src/text.rs; both are tested against
 * test/fold-cases.json): lower case, no diacritics, every run of characters
 * that are not letters or digits as one space. (The server also
 * transliterates other scripts; this module leaves them as they are.)
 */

/** Letters that Unicode does not decompose into a base letter and a mark. */
const SPECIAL: Record<string, string> = {
  æ: "ae", Æ: "ae", œ: "oe", Œ: "oe", ß: "ss", þ: "th", Þ: "th",
  ø: "o", Ø: "o", đ: "d", Đ: "d", ð: "d", Ð: "d", ħ: "h", Ħ: "h",
  ł: "l", Ł: "l", ŀ: "l", Ŀ: "l", ŧ: "t", Ŧ: "t", ı: "i", ĸ: "k",
  ŉ: "n", ŋ: "n", Ŋ: "n",
};

/** `"„Ķiršu mājas”, Vircavas pag."` → `"kirsu majas vircavas pag"`. */
export function fold(text: string): string {
  let s = "";
  for (const c of text) s += SPECIAL[c] ?? c;
  return s
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** The abbreviations the address register and people use, spelled out. */
const EXPAND: Record<string, string> = { pag: "pagasts", nov: "novads", pagasta: "pagasts" };

/** The search words of a text (folded, abbreviations spelled out). */
export function tokens(text: string): string[] {
  return fold(text)
    .split(" ")
    .filter((t) => t.length > 0)
    .map((t) => EXPAND[t] ?? t);
}

/** Whether a name already ends with its kind's word ("Glūdas pagasts" and
 * "pagasts"), so a list need not say the kind again. */
export function saysKind(name: string, kind: string): boolean {
  const n = fold(name);
  const k = fold(kind);
  return k !== "" && (n === k || n.endsWith(` ${k}`));
}

/** Suggestion lines without one repeated: the first of each (name, kind). */
export function distinctLines<T>(items: T[], line: (x: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((x) => {
    const k = line(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
