#!/usr/bin/env bash
# Renders diagrams with the real tools and fails on anything they do not take cleanly.
#
#   tools/renderers/check.sh              every committed diagram (diagrams/*.mmd, *.dot, *.puml;
#                                         the hierarchical media player among them) and the names
#                                         torture charts (tools/renderers/names.json, flat, and
#                                         nested_names.json, with composite states)
#   tools/renderers/check.sh FILE...      only these files (.mmd, .dot, .puml)
#
# Each file is rendered to SVG: Mermaid with mermaid-cli (the version pinned in package.json,
# `npm ci` here) on Debian's Chromium, DOT with Graphviz's `dot`, PlantUML with Debian's
# plantuml.jar. A file fails when the tool exits with an error, writes anything to standard
# error (a warning, PlantUML's stack trace after which it still exits with 0), or draws
# something other than what the definition says: when a FILE has a definition JSON next to it
# (diagrams/order.mmd and diagrams/order.json), svg_shows.py checks that the SVG shows every
# state's name, every transition's label and every note, exactly. A file without one is
# checked for errors only, and the summary says so.
#
# Without FILE arguments it first checks that the committed diagrams are what the code renders
# today (`statewright check diagrams`, built with cargo), so that rendering them checks the
# renderers; the escaping torture machine is one of them (diagrams/torture.*, from
# tests/common/torture.rs). names.json holds names no Rust identifier can (quotes, colons,
# `[*]`, ...), which only a definition JSON or `Chart::builder` can give, and nested_names.json
# the same in composite states (drawn as blocks, clusters and aliased composites); the CLI
# renders them.
#
# Needs: node + npm, then `PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts` in this directory
# (the browser is Debian's), and `apt-get install chromium graphviz plantuml`; .ci/run does
# both. A missing tool is an error, never a skip. Environment: CHROMIUM (default /usr/bin/chromium), PLANTUML_JAR (default
# /usr/share/plantuml/plantuml.jar), CARGO (default cargo).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
chromium="${CHROMIUM:-/usr/bin/chromium}"
plantuml_jar="${PLANTUML_JAR:-/usr/share/plantuml/plantuml.jar}"
mmdc="$here/node_modules/.bin/mmdc"

missing=()
[ -x "$mmdc" ] || missing+=("mermaid-cli: run \`PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts\` in tools/renderers")
[ -x "$chromium" ] || missing+=("Chromium at $chromium: apt-get install chromium")
command -v dot >/dev/null || missing+=("Graphviz: apt-get install graphviz")
[ -f "$plantuml_jar" ] || missing+=("PlantUML at $plantuml_jar: apt-get install plantuml")
command -v java >/dev/null || missing+=("java (for PlantUML): apt-get install plantuml")
command -v python3 >/dev/null || missing+=("python3")
if [ "${#missing[@]}" -gt 0 ]; then
    printf 'tools/renderers/check.sh: missing, so nothing was checked:\n' >&2
    printf '  %s\n' "${missing[@]}" >&2
    exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out" "$work/puml" "$work/java/.java/.userPrefs"

# Chromium runs as root in CI, where it needs --no-sandbox; the page itself is local.
cat > "$work/puppeteer.json" <<EOF
{"executablePath": "$chromium", "args": ["--no-sandbox", "--disable-gpu"]}
EOF

files=()
if [ "$#" -gt 0 ]; then
    files=("$@")
else
    cargo=("${CARGO:-cargo}" run --quiet --locked -p statewright-cli --)
    echo "-- the committed diagrams are what the code renders (statewright check diagrams)"
    (cd "$root" && "${cargo[@]}" check diagrams >"$work/check.out") || {
        cat "$work/check.out"
        echo "FAIL: stale committed diagrams; rendering them would not check the renderers" >&2
        exit 1
    }
    tail -n 1 "$work/check.out"
    mkdir -p "$work/names"
    for names in names nested_names; do
        cp "$here/$names.json" "$work/names/$names.json"
        for format in mermaid dot plantuml; do
            (cd "$root" && "${cargo[@]}" render "$work/names/$names.json" --format "$format" \
                -o "$work/names/$names.$format")
        done
        mv "$work/names/$names.mermaid" "$work/names/$names.mmd"
        mv "$work/names/$names.plantuml" "$work/names/$names.puml"
    done
    for f in "$root"/diagrams/*.mmd "$root"/diagrams/*.dot "$root"/diagrams/*.puml \
        "$work"/names/names.mmd "$work"/names/names.dot "$work"/names/names.puml \
        "$work"/names/nested_names.mmd "$work"/names/nested_names.dot \
        "$work"/names/nested_names.puml; do
        files+=("$f")
    done
fi

passed=0
failed=0
unchecked=()
pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    printf 'FAIL %s\n' "$*" >&2
}

# What a file's drawing must show: the definition JSON with the same stem, if there is one.
shows() { # FORMAT FILE SVG
    local json="${2%.*}.json"
    if [ ! -f "$json" ]; then
        unchecked+=("$2")
        return 0
    fi
    python3 "$here/svg_shows.py" "$1" "$json" "$3"
}

# Output names: the file's path made unique, so that two files with one stem do not collide.
n=0
puml_files=()
for f in "${files[@]}"; do
    n=$((n + 1))
    base="$n-$(basename "$f")"
    case "$f" in
    *.mmd)
        echo "-- mermaid-cli: $f"
        if "$mmdc" --quiet -p "$work/puppeteer.json" -i "$f" -o "$work/out/$base.svg" \
            >"$work/out/$base.log" 2>&1 && [ ! -s "$work/out/$base.log" ] &&
            shows mermaid "$f" "$work/out/$base.svg"; then
            pass
        else
            cat "$work/out/$base.log" >&2
            fail "$f (Mermaid)"
        fi
        ;;
    *.dot)
        echo "-- dot: $f"
        if dot -Tsvg "$f" -o "$work/out/$base.svg" 2>"$work/out/$base.log" &&
            [ ! -s "$work/out/$base.log" ] && shows dot "$f" "$work/out/$base.svg"; then
            pass
        else
            cat "$work/out/$base.log" >&2
            fail "$f (Graphviz)"
        fi
        ;;
    *.puml)
        # All PlantUML files in one run of the JVM, below.
        cp "$f" "$work/puml/$base"
        puml_files+=("$f")
        ;;
    *)
        fail "$f: not a .mmd, .dot or .puml file"
        ;;
    esac
done

# PlantUML exits with 0 after an exception in its renderer (it draws the stack trace into the
# image), so standard error must be empty too. The preferences directory exists, so Java does
# not log that it created one. Runs PlantUML on the files given (names relative to $work/puml)
# and prints what it said; fails if it said anything or exited with an error.
plantuml() {
    local status=0
    (cd "$work/puml" && java -Djava.awt.headless=true -Djava.util.prefs.userRoot="$work/java" \
        -jar "$plantuml_jar" -charset UTF-8 -tsvg -o "$work/out" "$@") \
        >"$work/out/plantuml.log" 2>&1 || status=$?
    if [ "$status" -ne 0 ] || [ -s "$work/out/plantuml.log" ]; then
        cat "$work/out/plantuml.log" >&2
        echo "PlantUML exited with $status and said the above" >&2
        return 1
    fi
}

if [ "${#puml_files[@]}" -gt 0 ]; then
    # One JVM for all files; when it has a complaint, one per file, to know whose it is.
    echo "-- plantuml: ${#puml_files[@]} files"
    batch_ok=true
    plantuml ./* 2>/dev/null || batch_ok=false
    n=0
    for f in "${files[@]}"; do
        n=$((n + 1))
        case "$f" in *.puml) ;; *) continue ;; esac
        base="$n-$(basename "${f%.puml}")"
        svg="$work/out/$base.svg"
        if $batch_ok || { echo "-- plantuml: $f" && plantuml "./$base.puml"; }; then
            if [ -f "$svg" ] && shows plantuml "$f" "$svg"; then
                pass
                continue
            fi
            [ -f "$svg" ] || echo "PlantUML drew no $svg" >&2
        fi
        fail "$f (PlantUML)"
    done
fi

echo
for f in "${unchecked[@]}"; do
    echo "note: $f has no definition JSON next to it: checked for errors only, not for what it shows"
done
echo "renderers: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
