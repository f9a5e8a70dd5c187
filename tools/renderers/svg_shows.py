#!/usr/bin/env python3
"""Check that an SVG drawn by a real renderer shows what a definition JSON says.

Usage: svg_shows.py FORMAT DEFINITION.json DRAWN.svg
FORMAT is the format the SVG was drawn from: mermaid, dot or plantuml.

A renderer that accepts a file may still draw something else than what it says: Mermaid reads
`direction LR` inside a note as a statement and drops the note, Markdown in a label turns
`_draft_` into an italic `draft`, PlantUML draws an error image and exits with 0. So this
reads the text the SVG shows (each label, as one string) and checks that it holds, exactly:

- every state's name, and every composite state's (of a hierarchical machine);
- every transition's label, as statewright writes it: `pay`, `pay [guard]`, `after 30s`,
  `escalate after 2d`; a choice's event on the arrow into its choice node, `[guard]` on a
  guarded branch;
- every state's and composite state's note: the first paragraph of its doc comment on one line, and its hooks
  (`entry hook`, `exit hook`, `entry / exit hooks`), where the format draws them (Mermaid: in
  the note; PlantUML: a note and the state's description; DOT: the tooltip and the label);
- the machine's name, for PlantUML (its title).

Whitespace is compared collapsed (a renderer may wrap a long line). Prints what is missing and
exits with 1, or prints a one-line summary and exits with 0. Charts of a diff (`change` fields)
are refused: their labels carry change marks this does not model.
"""

import json
import re
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


def collapse(text):
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def duration(ms):
    """`ChartTransition::label`'s duration: the largest unit that divides it."""
    for scale, unit in ((86_400_000, "d"), (3_600_000, "h"), (60_000, "min"), (1_000, "s")):
        if ms >= scale and ms % scale == 0:
            return f"{ms // scale}{unit}"
    return f"{ms}ms"


def control(c):
    """Rust's `char::is_control`: the C0 and C1 control characters and DEL."""
    return ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F


def summary(doc):
    """`ChartState::summary`: the doc's first paragraph, its lines trimmed and joined."""
    out = []
    for line in doc.split("\n"):
        line = line.strip()
        if not line:
            if not out:
                continue
            break
        out.append("".join(" " if c == "\t" else c for c in line if c == "\t" or not control(c)))
    return " ".join(out)


def hooks(state):
    return {
        (True, True): "entry / exit hooks",
        (True, False): "entry hook",
        (False, True): "exit hook",
    }.get((state.get("entry", False), state.get("exit", False)))


def label(t):
    """`ChartTransition::label`."""
    after = t.get("after_ms")
    parts = [f"after {duration(after)}" if after is not None and t["event"] == "timeout" else t["event"]]
    if t.get("guarded"):
        parts.append("[guard]")
    if after is not None and t["event"] != "timeout":
        parts.append(f"after {duration(after)}")
    return " ".join(parts)


def expected(definition, fmt):
    """(what, text) pairs the drawing must show."""
    if any("change" in item for item in definition["states"] + definition["transitions"]):
        sys.exit("svg_shows.py: a diff chart (with `change` fields) is not supported")
    out = [("state", s["name"]) for s in definition["states"]]
    transitions = definition["transitions"]
    targets = {}
    for t in transitions:
        targets.setdefault((t["from"], t["event"]), set()).add(t["to"])
    choices_seen = set()
    for t in transitions:
        key = (t["from"], t["event"])
        if len(targets[key]) > 1:
            if key not in choices_seen:
                choices_seen.add(key)
                out.append(("choice", t["event"]))
            if t.get("guarded"):
                out.append(("guarded branch", "[guard]"))
        else:
            out.append(("transition", label(t)))
    # Composite states (a hierarchical machine's) are drawn as boxes or clusters with their
    # name, and noted like states.
    composites = definition.get("composites", [])
    out += [("composite state", c["name"]) for c in composites]
    for s in definition["states"] + composites:
        note, hook = summary(s.get("doc", "")), hooks(s)
        if fmt == "mermaid":
            text = " ".join(p for p in (note, f"({hook})" if note and hook else hook) if p)
            if text:
                out.append(("note", text))
        else:
            if note:
                out.append(("tooltip" if fmt == "dot" else "note", note))
            if hook:
                out.append(("hooks", hook))
    if fmt == "plantuml":
        out.append(("title", definition["machine"]))
    return [(what, collapse(text)) for what, text in out]


def shown(svg, fmt):
    """The strings the SVG shows: each HTML label (Mermaid) or text element as one string, and,
    for DOT, the tooltips."""
    root = ET.parse(svg).getroot()
    out = []
    for e in root.iter():
        if e.tag == SVG + "foreignObject" or e.tag == SVG + "text":
            out.append(collapse("".join(e.itertext())))
        if fmt == "dot" and XLINK_TITLE in e.attrib:
            out.append(collapse(e.attrib[XLINK_TITLE]))
        # Graphviz draws each line of a label as a text element of its own: a name with a line
        # break is also looked for as the lines of one node, joined.
        if fmt == "dot" and e.tag == SVG + "g" and e.get("class") in ("node", "edge"):
            lines = ["".join(t.itertext()) for t in e.iter(SVG + "text")]
            out.append(collapse(" ".join(lines)))
    return out


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("mermaid", "dot", "plantuml"):
        sys.exit(__doc__.split("\n\n")[1])
    fmt, definition_path, svg = sys.argv[1:]
    with open(definition_path, encoding="utf-8") as f:
        definition = json.load(f)
    strings = shown(svg, fmt)
    texts = set(strings)
    errors = [s for s in strings if re.search(r"syntax error|an error has occured|parse error", s, re.I)]
    missing = [(what, text) for what, text in expected(definition, fmt) if text not in texts]
    if errors or missing:
        print(f"{svg}: the drawing does not show what {definition_path} says", file=sys.stderr)
        for e in errors:
            print(f"  the drawing shows an error: {e[:300]!r}", file=sys.stderr)
        for what, text in missing:
            print(f"  missing {what}: {text[:300]!r}", file=sys.stderr)
        print("  it shows:", file=sys.stderr)
        for s in strings:
            if s:
                print(f"    {s[:300]!r}", file=sys.stderr)
        sys.exit(1)
    print(f"{svg}: shows all {len(expected(definition, fmt))} names, labels and notes")


if __name__ == "__main__":
    main()
