import { test } from "node:test";
import assert from "node:assert/strict";
import cases from "./fold-cases.json";
import { distinctLines, fold, saysKind, tokens } from "../src/text";
import { placeHref } from "../src/links";

test("fold agrees with the server's fold on the shared cases", () => {
  for (const [input, want] of cases as [string, string][]) assert.equal(fold(input), want, input);
});

test("tokens spell out the register's abbreviations", () => {
  assert.deepEqual(tokens("Glūdas pag."), ["gludas", "pagasts"]);
  assert.deepEqual(tokens("Jelgavas nov."), ["jelgavas", "novads"]);
  assert.deepEqual(tokens("  "), []);
});

test("place links keep the language", () => {
  assert.equal(placeHref("parish:gludas-pagasts", "lv"), "/?place=parish%3Agludas-pagasts");
  assert.equal(placeHref("address:\"Zemgaļi\", Elejas pag.", "en"), "/?place=address%3A%22Zemga%C4%BCi%22%2C+Elejas+pag.&lang=en");
});

test("a suggestion does not repeat its kind or a line", () => {
  assert.equal(saysKind("Glūdas pagasts", "pagasts"), true);
  assert.equal(saysKind("GLŪDAS PAGASTS", "pagasts"), true);
  assert.equal(saysKind("Glūda", "ciems"), false);
  assert.equal(saysKind("Pagastmāja", "pagasts"), false);
  const lines = distinctLines(["a", "b", "a", "c", "b"], (x) => x);
  assert.deepEqual(lines, ["a", "b", "c"]);
});
