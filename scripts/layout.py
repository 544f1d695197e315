#!/usr/bin/env python3
"""Checks the code layout that README "Code layout" promises.

    python3 scripts/layout.py            # check; exit 1 on a breach
    python3 scripts/layout.py --report   # also list every long function

1. The crates depend on each other in the flow's order only (FLOW below):
   Cargo refuses a cycle between crates; this refuses an arrow against the
   documented order.
2. No import cycle between the modules of any crate: every module file is a
   node, every path it names (`use` trees, `crate::`/`super::`/`self::`
   paths, a child module's name) an edge to the module that defines the
   item, following `pub use` re-exports; a strongly connected component of
   more than one module is a cycle. Test modules (`#[cfg(test)]`) are left
   out.
3. No function over MAX_LINES lines, at most MAX_LONG over LONG_LINES, and
   each of those with a comment line `// Long: <reason>` directly above it
   (or above its attributes). Lines are counted from `fn` to the closing
   brace, as the repository's before-stop hook counts them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATES = ROOT / "crates"

# The flow, lowest first. A crate may depend only on crates before it.
FLOW = [
    "gapmap-geo",
    "gapmap-model",
    "gapmap-store",
    "gapmap-ingest",
    "gapmap-engine",
    "gapmap-publish",
    "gapmap-tiles",
    "gapmap-inventory",
    "gapmap-plan",
    "gapmap-synth",
    "gapmap-server",
    "gapmap-cli",
    # Tools beside the flow: the fuzz targets and the glyph builder.
    "gapmap-fuzz",
    "gapmap-glyphs",
]
MAX_LINES = 150
LONG_LINES = 80
MAX_LONG = 20
REASON = re.compile(r"^\s*// Long: \S")


# ---------------------------------------------------------------- source text


def strip_comments_and_strings(src: str) -> str:
    """Blank out comments, string and char literals, keeping line breaks."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif (m := re.compile(r'b?r(#*)"').match(src, i)) and (
            i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")
        ):
            end = '"' + m.group(1)
            j = src.find(end, m.end())
            j = n if j < 0 else j + len(end)
            out.append('""' + re.sub(r"[^\n]", " ", src[i + 2 : j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append('""' + re.sub(r"[^\n]", " ", src[i + 2 : j + 1]))
            i = j + 1
        elif c == "'" and (m := re.compile(r"'(\\.[^']*|[^'\\])'").match(src, i)):
            out.append("' '" + " " * (m.end() - i - 3))
            i = m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def drop_test_items(code: str) -> str:
    """Blank out every item under `#[cfg(test)]` (usually `mod tests { … }`)."""
    while (m := re.search(r"#\[cfg\(test\)\]", code)) is not None:
        j = m.end()
        depth, opened = 0, False
        while j < len(code):
            ch = code[j]
            if ch == "{":
                depth, opened = depth + 1, True
            elif ch == "}":
                depth -= 1
                if opened and depth == 0:
                    j += 1
                    break
            elif ch == ";" and not opened:
                j += 1
                break
            j += 1
        code = code[: m.start()] + re.sub(r"[^\n]", " ", code[m.start() : j]) + code[j:]
    return code


# ---------------------------------------------------------------- modules


class Module:
    def __init__(self, path: tuple[str, ...], file: Path):
        self.path = path
        self.file = file
        self.children: set[str] = set()
        self.reexports: dict[str, tuple[str, ...]] = {}  # name -> absolute path
        self.refs: list[tuple[str, ...]] = []  # paths as written
        self.code = ""


def module_files(src: Path) -> dict[tuple[str, ...], Path]:
    mods: dict[tuple[str, ...], Path] = {}
    for f in sorted(src.rglob("*.rs")):
        rel = f.relative_to(src).with_suffix("")
        parts = rel.parts
        if parts in (("lib",), ("main",)):
            key: tuple[str, ...] = ()
        elif parts[-1] == "mod":
            key = parts[:-1]
        else:
            key = parts
        if key == () and ("lib",) != parts and () in mods:
            continue  # a binary's main.rs beside lib.rs: its own crate root
        if parts[0] == "bin":
            continue
        mods[key] = f
    return mods


def expand_use_tree(tree: str) -> list[list[str]]:
    """`a::{b, c::{d, e as f}, self}` -> [[a,b],[a,c,d],[a,c,e],[a]]."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)  # aliases name the same item
    tree = re.sub(r"\s+", "", tree)
    out: list[list[str]] = []

    def walk(prefix: list[str], t: str) -> None:
        if "{" not in t:
            segs = [s for s in t.split("::") if s]
            if segs == ["self"]:
                out.append(prefix)
            elif segs:
                out.append(prefix + [s for s in segs if s != "*"])
            return
        head, rest = t.split("{", 1)
        body = rest[: rest.rfind("}")]
        segs = [s for s in head.split("::") if s]
        depth, start, parts = 0, 0, []
        for i, ch in enumerate(body):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append(body[start:i])
                start = i + 1
        parts.append(body[start:])
        for p in parts:
            if p:
                walk(prefix + segs, p)

    walk([], tree)
    return out


def read_module(m: Module) -> None:
    code = drop_test_items(strip_comments_and_strings(m.file.read_text()))
    m.code = code
    for mm in re.finditer(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", code, re.M):
        m.children.add(mm.group(1))
    for mm in re.finditer(r"(?:^|[;{}])\s*(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", code, re.M):
        public = bool(mm.group(1))
        for segs in expand_use_tree(mm.group(2)):
            if not segs:
                continue
            m.refs.append(tuple(segs))
            if public and segs[-1] != "*":
                alias = re.search(r"\bas\s+(\w+)\s*$", mm.group(2))
                m.reexports[segs[-1]] = tuple(segs)
                if alias and len(expand_use_tree(mm.group(2))) == 1:
                    m.reexports[alias.group(1)] = tuple(segs)
    body = re.sub(r"(?:^|[;{}])\s*(pub(?:\([^)]*\))?\s+)?use\s+[^;]+;", ";", code, flags=re.M)
    for mm in re.finditer(r"(?<![\w:])((?:crate|super|self|\w+)(?:::\w+)+)", body):
        m.refs.append(tuple(mm.group(1).split("::")))


def absolute(m: Module, segs: tuple[str, ...], mods: dict) -> tuple[str, ...] | None:
    """The absolute path of `segs` as written in module m, or None (external)."""
    if not segs:
        return None
    if segs[0] == "crate":
        return segs[1:]
    if segs[0] in ("self", "super"):
        base = list(m.path)
        i = 0
        while i < len(segs) and segs[i] in ("self", "super"):
            if segs[i] == "super":
                if not base:
                    return None
                base.pop()
            i += 1
        return tuple(base) + segs[i:]
    if segs[0] in m.children:
        return m.path + segs
    return None


def resolve(path: tuple[str, ...], mods: dict, seen: int = 0) -> tuple[str, ...] | None:
    """The module that defines the item at `path` (following re-exports)."""
    cur: tuple[str, ...] = ()
    i = 0
    while i < len(path) and cur + (path[i],) in mods:
        cur = cur + (path[i],)
        i += 1
    if i < len(path) and seen < 8:
        name = path[i]
        target = mods[cur].reexports.get(name) if cur in mods else None
        if target is not None:
            abs_t = absolute(mods[cur], target, mods)
            if abs_t is not None and abs_t != cur + (name,):
                r = resolve(abs_t + path[i + 1 :], mods, seen + 1)
                if r is not None:
                    return r
    return cur if cur in mods else None


def tarjan(nodes, edges):
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            strong(v)
    return out


def module_cycles(crate: Path) -> list[list[str]]:
    src = crate / "src"
    files = module_files(src)
    mods = {k: Module(k, f) for k, f in files.items()}
    for m in mods.values():
        read_module(m)
    edges: dict[tuple, set] = {}
    for m in mods.values():
        for segs in m.refs:
            a = absolute(m, segs, mods)
            if a is None:
                continue
            r = resolve(a, mods)
            if r is not None and r != m.path:
                edges.setdefault(m.path, set()).add(r)
    cycles = []
    for comp in tarjan(list(mods), edges):
        if len(comp) > 1:
            cycles.append(sorted(str(mods[c].file.relative_to(ROOT)) for c in comp))
    return cycles


# ---------------------------------------------------------------- functions


FN = re.compile(r"\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def functions(path: Path):
    raw = path.read_text().split("\n")
    lines = drop_test_items(strip_comments_and_strings("\n".join(raw))).split("\n")
    i = 0
    while i < len(lines):
        m = FN.match(lines[i])
        if not m:
            i += 1
            continue
        d, j, opened = 0, i, False
        while j < len(lines):
            t = lines[j]
            d += t.count("{") - t.count("}")
            opened = opened or "{" in t
            if (opened and d <= 0) or (not opened and t.rstrip().endswith(";")):
                break
            j += 1
        if opened:
            k = i - 1
            while k >= 0 and raw[k].strip().startswith(("#[", "///", ")]", "//!")) is True and not REASON.match(raw[k]):
                k -= 1
            reason = k >= 0 and bool(REASON.match(raw[k]))
            yield m.group(6), i + 1, j - i + 1, reason
            i = j + 1
        else:
            i += 1


# ---------------------------------------------------------------- crates


def crate_deps(crate: Path) -> list[str]:
    text = (crate / "Cargo.toml").read_text()
    deps = []
    section = ""
    for line in text.splitlines():
        if line.startswith("["):
            section = line.strip()
        elif section == "[dependencies]" and (m := re.match(r"(gapmap-[\w-]+)\s*=", line)):
            deps.append(m.group(1))
    return deps


def main() -> int:
    report = "--report" in sys.argv
    failures = []
    crates = sorted(p for p in CRATES.iterdir() if (p / "Cargo.toml").exists())

    for c in crates:
        if c.name not in FLOW:
            failures.append(f"{c.name}: not in the flow list of scripts/layout.py")
            continue
        for d in crate_deps(c):
            if d in FLOW and FLOW.index(d) >= FLOW.index(c.name):
                failures.append(f"{c.name} depends on {d}, against the flow")

    print("Import cycles between modules:")
    n_cycles = 0
    for c in crates:
        for cyc in module_cycles(c):
            n_cycles += 1
            print("  " + " <-> ".join(cyc))
            failures.append(f"import cycle: {' <-> '.join(cyc)}")
    if not n_cycles:
        print("  none")

    long_fns = []
    for c in crates:
        for f in sorted((c / "src").rglob("*.rs")):
            for name, line, n, reason in functions(f):
                if n > LONG_LINES:
                    long_fns.append((n, f"{f.relative_to(ROOT)}:{line}", name, reason))
    long_fns.sort(reverse=True)
    over_max = [x for x in long_fns if x[0] > MAX_LINES]
    print(f"Functions over {LONG_LINES} lines: {len(long_fns)} (at most {MAX_LONG}); "
          f"over {MAX_LINES}: {len(over_max)} (none allowed)")
    if report:
        for n, where, name, reason in long_fns:
            print(f"  {n:4d} {name} {where}{'' if reason else '  (no // Long: reason)'}")
    for n, where, name, _ in over_max:
        failures.append(f"{where} {name} has {n} lines (over {MAX_LINES})")
    if len(long_fns) > MAX_LONG:
        failures.append(f"{len(long_fns)} functions over {LONG_LINES} lines (at most {MAX_LONG})")
    for n, where, name, reason in long_fns:
        if not reason:
            failures.append(f"{where} {name} has {n} lines and no `// Long: <reason>` line above it")

    if failures:
        print(f"\n{len(failures)} layout problem(s):")
        for f in failures:
            print("  " + f)
        return 1
    print("layout ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
