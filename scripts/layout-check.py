#!/usr/bin/env python3
"""Layout facts of the workspace (issue 13's "done when"): non-test lines per
crate and their share, and circular imports between files of a crate.

Non-test lines: every line of a crate's src/ files except test modules
(`#[cfg(test)] mod x { ... }` blocks and files only compiled for tests)."""
import os, re, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
crates = os.path.join(root, "crates")


def strip_tests(text):
    out, i, lines = [], 0, text.split("\n")
    while i < len(lines):
        l = lines[i]
        if l.strip() == "#[cfg(test)]" and i + 1 < len(lines) and re.match(r"\s*(pub(\(crate\))? )?mod \w+\s*(\{|;)", lines[i + 1]):
            if lines[i + 1].rstrip().endswith(";"):
                i += 2
                continue
            depth, j = 0, i + 1
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                j += 1
                if depth <= 0:
                    break
            i = j
            continue
        out.append(l)
        i += 1
    return out


def test_only_files(src):
    """Files declared only under #[cfg(test)] (e.g. `#[cfg(test)] mod tests;`)."""
    skip = set()
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            text = open(os.path.join(dirpath, f)).read().split("\n")
            for k, l in enumerate(text[:-1]):
                m = re.match(r"\s*(?:pub(?:\(crate\))? )?mod (\w+);", text[k + 1])
                if l.strip() == "#[cfg(test)]" and m:
                    base = dirpath if f in ("lib.rs", "main.rs", "mod.rs") else os.path.join(dirpath, f[:-3])
                    skip.add(os.path.join(base, m.group(1) + ".rs"))
                    skip.add(os.path.join(base, m.group(1), "mod.rs"))
    return skip


counts = {}
for c in sorted(os.listdir(crates)):
    src = os.path.join(crates, c, "src")
    if not os.path.isdir(src):
        continue
    skip = test_only_files(src)
    n = 0
    for dirpath, _, files in os.walk(src):
        for f in files:
            p = os.path.join(dirpath, f)
            if f.endswith(".rs") and p not in skip:
                n += len([l for l in strip_tests(open(p).read()) if l.strip()])
    counts[c] = n
total = sum(counts.values())
print(f"{'crate':<18} {'lines':>7} {'share':>6}")
for c, n in sorted(counts.items(), key=lambda x: -x[1]):
    print(f"{c:<18} {n:>7} {100 * n / total:>5.1f}%")
print(f"{'total':<18} {total:>7}")

# Circular imports: file A names module B (crate::b / super::b) and B names A.
cycles = []
for c in sorted(os.listdir(crates)):
    src = os.path.join(crates, c, "src")
    if not os.path.isdir(src):
        continue
    mods = {}
    for dirpath, _, files in os.walk(src):
        for f in files:
            if f.endswith(".rs"):
                p = os.path.join(dirpath, f)
                rel = os.path.relpath(p, src)[:-3].replace(os.sep, "::")
                rel = re.sub(r"(::)?(mod|lib|main)$", "", rel)
                code = [re.sub(r"//.*", "", l) for l in strip_tests(open(p).read())]
                mods[rel or "crate"] = "\n".join(code)
    uses = {}
    for m, text in mods.items():
        deps = set()
        if m == "crate":
            # The root depends on a module when its own code (not a
            # `mod`/`pub use` line) names it.
            body = "\n".join(l for l in text.split("\n") if not re.match(r"\s*(pub(\(crate\))? )?(mod|use) ", l))
            deps |= {x for x in re.findall(r"\b([a-z_][a-z0-9_]*)::", body) if x in mods}
            uses[m] = deps
            continue
        names = re.findall(r"crate::(\w+)", text)
        for group in re.findall(r"crate::\{([^}]*)\}", text, re.S):
            names += [n.strip().split("::")[0].split(" ")[0] for n in group.split(",") if n.strip()]
        for hit in names:
            if hit in mods and hit != m:
                deps.add(hit)
            elif hit not in mods and hit != "self":
                deps.add("crate")  # an item of the crate root
        uses[m] = deps
    for a in uses:
        for b in uses[a]:
            if a < b and a in uses.get(b, ()):
                cycles.append(f"{c}: {a} <-> {b}")
print("circular imports:", ", ".join(cycles) if cycles else "none")
