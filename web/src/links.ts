/** Local links, as the server writes them. */

/** The finder's page for a search hit or a site (`site:id`, `parish:id`, `address:text`). */
export function placeHref(featureId: string, lang: string): string {
  const q = new URLSearchParams({ place: featureId });
  if (lang === "en") q.set("lang", "en");
  return `/?${q.toString()}`;
}
