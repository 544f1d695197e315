import { test } from "node:test";
import assert from "node:assert/strict";
import { distanceWords, hoursText, intWords, metresBetween, openNowText, plural, shownSentence, signedWords } from "../src/words";

const nb = (s: string) => s.replace(/\u00a0/g, " ");

test("distances as people say them (the server's table)", () => {
  const table: [number, string, string][] = [
    [3, "10 m", "10 m"],
    [347, "350 m", "350 m"],
    [949, "950 m", "950 m"],
    [951, "1,0 km", "1.0 km"],
    [1234, "1,2 km", "1.2 km"],
    [9949, "9,9 km", "9.9 km"],
    [12400, "12 km", "12 km"],
    [1234000, "1 234 km", "1,234 km"],
  ];
  for (const [m, lv, en] of table) {
    assert.equal(nb(distanceWords(m, "lv")), lv, `${m} lv`);
    assert.equal(nb(distanceWords(m, "en")), en, `${m} en`);
  }
});

test("Latvian and English plural forms", () => {
  const table: [number, string, string][] = [
    [0, "zero", "zero"], [1, "one", "one"], [2, "other", "other"], [10, "zero", "other"],
    [11, "zero", "other"], [19, "zero", "other"], [21, "one", "other"], [111, "zero", "other"], [22, "other", "other"],
  ];
  for (const [n, lv, en] of table) {
    assert.equal(plural("lv", n), lv, `lv ${n}`);
    assert.equal(plural("en", n), en, `en ${n}`);
  }
});

test("hours and open-now text, never a guess", () => {
  const msg = (k: string) => ({ "js.open": "Open now", "js.closed": "Closed", "js.closed_today": "closed today", "js.unknown": "Opening hours not known" })[k] ?? k;
  assert.equal(hoursText(["09:00-12:00", "13:30-24:00"]), "9:00–12:00, 13:30–24:00");
  assert.deepEqual(openNowText(true, ["09:00-17:00"], msg), { state: "open", text: "9:00–17:00 · Open now" });
  assert.deepEqual(openNowText(false, [], msg), { state: "closed", text: "closed today · Closed" });
  assert.deepEqual(openNowText(false, null, msg), { state: "closed", text: "Closed" });
  assert.deepEqual(openNowText(null, ["09:00-17:00"], msg), { state: "unknown", text: "Opening hours not known" });
  assert.deepEqual(openNowText(undefined, undefined, msg), { state: "unknown", text: "Opening hours not known" });
});

test("metres between two points", () => {
  // Jelgava to Riga, about 41 km.
  const d = metresBetween([23.7136, 56.6511], [24.1052, 56.9496]);
  assert.ok(Math.abs(d - 40_600) < 1500, String(d));
  assert.equal(metresBetween([23.7, 56.6], [23.7, 56.6]), 0);
});

test("whole numbers and changes are written as the server writes them", () => {
  assert.equal(intWords(33348, "lv"), "33\u00a0348");
  assert.equal(intWords(33348, "en"), "33,348");
  assert.equal(intWords(348, "lv"), "348");
  assert.equal(signedWords(1234, "en"), "+1,234");
  assert.equal(signedWords(-12, "lv"), "\u221212");
  assert.equal(signedWords(0, "lv"), "0");
});

test("the sentence under the map lists what it shows", () => {
  const say = (w: string[]) => shownSentence(w, "Kartē: {list}.", "un", "Nekas");
  assert.equal(say(["vietas", "nosaukumi", "teritorijas"]), "Kartē: vietas, nosaukumi un teritorijas.");
  assert.equal(say(["vietas"]), "Kartē: vietas.");
  assert.equal(say([]), "Nekas");
});
