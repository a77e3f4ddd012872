#!/usr/bin/env python3
"""Every declaration in include/gentrain.h has a comment of its own: the comment ends on the line
just above the declaration (function, typedef, enum or struct)."""
import re
import sys

header = sys.argv[1]
lines = open(header).read().split("\n")
undocumented = []
in_comment = False
for i, line in enumerate(lines):
    stripped = line.strip()
    if in_comment:
        in_comment = "*/" not in stripped
        continue
    if stripped.startswith("/*"):
        in_comment = "*/" not in stripped
        continue
    if line.startswith((" ", "\t", "}", "#", "extern")) or not stripped:
        continue
    m = re.match(r"(?:typedef\s+(?:enum|struct)\s+(\w+)|.*?\b(gentrain_\w+)\s*\(|typedef\b.*?\(\s*\*\s*(\w+))", line)
    if not m:
        continue
    name = next(g for g in m.groups() if g)
    if line.startswith("typedef struct") and line.rstrip().endswith(";"):
        continue   # an opaque handle type, documented with the handles
    if not lines[i - 1].rstrip().endswith("*/"):
        undocumented.append(f"{i + 1}: {name}")
if undocumented:
    print(f"{len(undocumented)} declarations without a comment of their own:")
    print("\n".join(undocumented))
    sys.exit(1)
print("every declaration is documented")
