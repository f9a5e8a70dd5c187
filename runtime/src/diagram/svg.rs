//! SVG rendering of a chart: a standalone image, laid out by [`super::layout`].
//!
//! This module measures text, hands box and label sizes to the layout, and writes what the
//! layout returns as SVG. The image is self-contained: no script, no style sheet, no external
//! font or image; text is `monospace`, so its width is estimated as columns × 0.6 × the font
//! size (a column is a character; wide East Asian characters and emoji count two, combining
//! marks none).
//!
//! What is drawn:
//!
//! - states as rounded boxes with the name and, below it in smaller type, the doc summary
//!   (truncated to 40 characters) and the state's hooks in italics (`entry / exit hooks`); the
//!   whole doc is the box's tooltip (`<title>`);
//! - the initial state with a start arrow from a filled circle; terminal states with a double
//!   border (an inner box), as UML draws final states;
//! - transitions as curves with an arrowhead and the event name beside them (`pay [guard]`
//!   for a guarded one); self-loops as loops on the right side of their state;
//! - a choice as a small diamond, a vertex of the layout between the source and the targets:
//!   the event's arrow goes into it and an unlabelled arrow leaves it for each target;
//! - composite states (of a hierarchical chart) as rounded boxes around their children, with
//!   the name (and hooks) in a band at the top, the description as the tooltip and a start dot
//!   inside, laid out by [`super::nested`]; a transition declared on a composite leaves the
//!   box's border, one targeting a composite ends on it;
//! - in a diff chart, added states and transitions in bold green, removed ones dashed grey with
//!   struck-through names, and a legend below the drawing;
//! - with [`Chart::svg_highlighting`], one state (an instance's current state) in bold blue
//!   with a thick border, and ` (current)` in its tooltip; every other byte is the plain
//!   image's.
//!
//! Coordinates are written with at most one decimal, by integer arithmetic, so the output is
//! byte-identical on every platform. All text is escaped for XML; control characters other
//! than newline and tab are dropped.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

use super::layout::{self, Edge, Graph, Path, Point, Rect, Segment, Size};
use super::nested::{self, Item};
use super::{Change, Chart, ChartNode, ChartTransition, Drawn, LayoutTooLarge};

const NAME_FONT: f64 = 13.0;
const SUMMARY_FONT: f64 = 10.0;
const LABEL_FONT: f64 = 11.0;
/// The advance of a monospace character, as a fraction of the font size.
const CHAR_WIDTH: f64 = 0.6;
const BOX_PAD: f64 = 12.0;
const BOX_MIN_WIDTH: f64 = 48.0;
const BOX_HEIGHT: f64 = 30.0;
const BOX_HEIGHT_WITH_SUMMARY: f64 = 44.0;
/// What each further small line (hooks below a summary) adds to a box's height.
const SMALL_LINE: f64 = 12.0;
/// The width and height of a choice diamond.
const DIAMOND: f64 = 18.0;
const LABEL_HEIGHT: f64 = 14.0;
/// Summaries longer than this many characters are cut with `…`.
const SUMMARY_CHARS: usize = 40;
const LEGEND_HEIGHT: f64 = 28.0;

const DARK: &str = "#24292f";
const LIGHT_FILL: &str = "#f6f8fa";
const GREEN: &str = "#1a7f37";
const GREEN_FILL: &str = "#dafbe1";
const GREY: &str = "#8c959f";
const BLUE: &str = "#0969da";
const BLUE_FILL: &str = "#ddf4ff";

/// How items with one kind of [`Change`] are drawn.
struct Style {
    stroke: &'static str,
    fill: &'static str,
    text: &'static str,
    width: &'static str,
    /// Attributes added to shapes and text (dashes, weight, strike-through).
    shape_extra: &'static str,
    text_extra: &'static str,
    marker: &'static str,
}

fn style(change: Change) -> Style {
    match change {
        Change::Unchanged => Style {
            stroke: DARK,
            fill: LIGHT_FILL,
            text: DARK,
            width: "1.2",
            shape_extra: "",
            text_extra: "",
            marker: "sw-arrow",
        },
        Change::Added => Style {
            stroke: GREEN,
            fill: GREEN_FILL,
            text: GREEN,
            width: "2",
            shape_extra: "",
            text_extra: " font-weight=\"bold\"",
            marker: "sw-arrow-added",
        },
        Change::Removed => Style {
            stroke: GREY,
            fill: "#ffffff",
            text: GREY,
            width: "1.2",
            shape_extra: " stroke-dasharray=\"5 3\"",
            text_extra: " text-decoration=\"line-through\"",
            marker: "sw-arrow-removed",
        },
    }
}

/// How the highlighted state ([`Chart::svg_highlighting`]) is drawn: blue, bold, with a thick
/// border, and dashed when the state was removed in a diff chart.
fn highlighted(change: Change) -> Style {
    Style {
        stroke: BLUE,
        fill: BLUE_FILL,
        text: BLUE,
        width: "3",
        text_extra: " font-weight=\"bold\"",
        ..style(change)
    }
}

/// The three kinds of change, in the order their markers are written.
const CHANGES: [Change; 3] = [Change::Unchanged, Change::Added, Change::Removed];

/// An arrow of the drawing: a transition, or a piece of a choice (into its node, or from it
/// to one target).
struct Arrow {
    /// What the arrow joins: states, composite states (in a hierarchical chart) and choice
    /// nodes.
    from: Item,
    to: Item,
    /// The label (empty for a plain branch of a choice).
    label: String,
    /// The tooltip: `Pending → Paid: pay`.
    title: String,
    change: Change,
}

/// A choice node: its graph node (of a flat chart's graph: the states, then the choice nodes),
/// the container it is in (of a hierarchical chart), its tooltip and how it changed.
struct Diamond {
    node: usize,
    container: usize,
    title: String,
    change: Change,
}

/// The label of a transition's own arrow (or a choice branch's, `branch`): the event (or a
/// timeout's duration), and the guard.
fn arrow_label(t: &ChartTransition, branch: bool) -> String {
    let head = if branch {
        String::new()
    } else {
        clean(&t.label_head())
    };
    t.label_tail(head)
}

/// The item a state or composite state is drawn as.
fn item(node: ChartNode) -> Item {
    match node {
        ChartNode::State(s) => Item::State(s),
        ChartNode::Composite(c) => Item::Composite(c),
    }
}

/// The arrows and the choice nodes of the chart, in declaration order: of a hierarchical
/// chart, a transition declared on a composite once, from the composite.
fn arrows(chart: &Chart) -> (Vec<Arrow>, Vec<Diamond>) {
    let states = chart.states();
    let name = |node: ChartNode| chart.node_name(node);
    let title = |t: &ChartTransition| {
        alloc::format!(
            "{} \u{2192} {}: {}{}",
            name(t.source()),
            name(t.target()),
            t.event(),
            if t.is_guarded() { " (guarded)" } else { "" }
        )
    };
    let mut arrows = Vec::new();
    let mut diamonds = Vec::new();
    for drawn in chart.drawn() {
        match drawn {
            Drawn::Arrow(i) => {
                let t = &chart.transitions()[i];
                arrows.push(Arrow {
                    from: item(t.source()),
                    to: item(t.target()),
                    label: arrow_label(t, false),
                    title: title(t),
                    change: t.change(),
                });
            }
            Drawn::Choice(c) => {
                let d = diamonds.len();
                let source = chart.node_at(c.from);
                let event = chart.transitions()[c.branches[0]].event();
                let targets: Vec<&str> = c
                    .branches
                    .iter()
                    .map(|&b| name(chart.transitions()[b].target()))
                    .collect();
                let choice_title = alloc::format!(
                    "{} \u{2192} {}: {event} (a choice)",
                    name(source),
                    targets.join(" | ")
                );
                arrows.push(Arrow {
                    from: item(source),
                    to: Item::Diamond(d),
                    label: clean(event),
                    title: choice_title.clone(),
                    change: c.change,
                });
                for &b in &c.branches {
                    let t = &chart.transitions()[b];
                    arrows.push(Arrow {
                        from: Item::Diamond(d),
                        to: item(t.target()),
                        label: arrow_label(t, true),
                        title: title(t),
                        change: t.change(),
                    });
                }
                diamonds.push(Diamond {
                    node: states.len() + d,
                    container: chart.container(source),
                    title: choice_title,
                    change: c.change,
                });
            }
        }
    }
    (arrows, diamonds)
}

/// The node of a flat chart's graph an item is: states first, then the choice nodes.
fn flat_node(states: usize, item: Item) -> usize {
    match item {
        Item::State(s) => s,
        Item::Diamond(d) => states + d,
        // A flat chart has none.
        Item::Composite(_) => 0,
    }
}

/// The size of an arrow's label (none for an empty one).
fn label_size(label: &str) -> Size {
    if label.is_empty() {
        Size { w: 0.0, h: 0.0 }
    } else {
        Size {
            w: text_width(label, LABEL_FONT) + 2.0,
            h: LABEL_HEIGHT,
        }
    }
}

/// The small lines under a state's name: its summary and its hooks, where it has them.
fn small_lines(summary: &str, hooks: Option<&str>) -> usize {
    usize::from(!summary.is_empty()) + usize::from(hooks.is_some())
}

/// Renders the chart as a standalone SVG image; a chart too large to lay out is a small image
/// that says so (the caller who wants the error calls [`try_render`]).
pub(crate) fn render(chart: &Chart, current: Option<usize>) -> String {
    try_render(chart, current).unwrap_or_else(|error| too_large(chart, &error))
}

/// The line height of the image that says a chart is too large.
const TOO_LARGE_LINE: f64 = 18.0;

/// A small image with the machine's name and why it is not drawn.
fn too_large(chart: &Chart, error: &LayoutTooLarge) -> String {
    let lines = [
        alloc::format!("{}: too large to lay out as SVG", chart.name()),
        alloc::format!(
            "{} layout points needed, at most {} placed;",
            error.points,
            error.limit
        ),
        String::from("render it as Mermaid, DOT or PlantUML instead"),
    ];
    let width = lines
        .iter()
        .map(|line| text_width(&clean(line), NAME_FONT))
        .fold(0.0, f64::max_f)
        + 2.0 * layout::MARGIN;
    let height = 2.0 * layout::MARGIN + 3.0 * TOO_LARGE_LINE;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"monospace\">",
        w = ceil(width),
        h = ceil(height),
    );
    let _ = writeln!(out, "<title>{}</title>", escape(chart.name()));
    for (i, line) in lines.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\">{}</text>",
            Num(layout::MARGIN),
            Num(layout::MARGIN + (i as f64 + 0.75) * TOO_LARGE_LINE),
            Num(NAME_FONT),
            escape(line)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Renders the chart as a standalone SVG image, or says how many layout points it would need
/// when that is more than the layout places. `current` is the index of a state to highlight
/// (`None`, or an index out of range, highlights nothing).
pub(crate) fn try_render(chart: &Chart, current: Option<usize>) -> Result<String, LayoutTooLarge> {
    let states = chart.states();
    let names: Vec<String> = states.iter().map(|s| clean(s.name())).collect();
    let summaries: Vec<String> = states
        .iter()
        .map(|s| truncate(&clean(&s.summary()), SUMMARY_CHARS))
        .collect();
    let (arrows, diamonds) = arrows(chart);

    let nodes = state_sizes(chart, &names, &summaries);
    let too_large = |points| LayoutTooLarge {
        points,
        limit: layout::MAX_VERTICES,
    };
    let (lay, nest) = if chart.is_hierarchical() {
        let nest = nested_layout(chart, &nodes, &arrows, &diamonds).map_err(too_large)?;
        let mut rects = nest.states.clone();
        rects.extend(nest.diamonds.iter().copied());
        let lay = layout::Layout {
            width: nest.width,
            height: nest.height,
            nodes: rects,
            edges: nest.arrows.clone(),
            start: nest.start,
        };
        (lay, Some(nest))
    } else {
        let lay = flat_layout(chart, nodes, &arrows, &diamonds).map_err(too_large)?;
        (lay, None)
    };

    let changed = states.iter().any(|s| s.change() != Change::Unchanged)
        || chart
            .transitions()
            .iter()
            .any(|t| t.change() != Change::Unchanged);
    let legend_width = 2.0 * layout::MARGIN + 190.0;
    let width = if changed {
        lay.width.max_f(legend_width)
    } else {
        lay.width
    };
    let height = lay.height + if changed { LEGEND_HEIGHT } else { 0.0 };
    let (width, height) = (ceil(width), ceil(height));

    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_svg(
        &mut out,
        chart,
        (&lay, nest.as_ref()),
        &names,
        &summaries,
        (&arrows, &diamonds),
        (width, height, changed, current),
    );
    Ok(out)
}

/// The sizes of the states' boxes.
fn state_sizes(chart: &Chart, names: &[String], summaries: &[String]) -> Vec<Size> {
    chart
        .states()
        .iter()
        .zip(names.iter().zip(summaries))
        .map(|(state, (name, summary))| {
            let hooks = state.hooks_text();
            let w = text_width(name, NAME_FONT)
                .max_f(text_width(summary, SUMMARY_FONT))
                .max_f(text_width(hooks.unwrap_or(""), SUMMARY_FONT));
            Size {
                w: (w + 2.0 * BOX_PAD).max_f(BOX_MIN_WIDTH),
                h: match small_lines(summary, hooks) {
                    0 => BOX_HEIGHT,
                    k => BOX_HEIGHT_WITH_SUMMARY + SMALL_LINE * (k - 1) as f64,
                },
            }
        })
        .collect()
}

/// The layout of a hierarchical chart ([`nested`]).
fn nested_layout(
    chart: &Chart,
    nodes: &[Size],
    arrows: &[Arrow],
    diamonds: &[Diamond],
) -> Result<nested::Nested, usize> {
    let labels: Vec<Size> = chart
        .composites()
        .iter()
        .map(|c| Size {
            w: composite_label_width(c),
            h: LABEL_HEIGHT,
        })
        .collect();
    let diamond = Size {
        w: DIAMOND,
        h: DIAMOND,
    };
    let diamond_sizes: Vec<(Size, usize)> =
        diamonds.iter().map(|d| (diamond, d.container)).collect();
    let items: Vec<(Item, Item, Size)> = arrows
        .iter()
        .map(|a| (a.from, a.to, label_size(&a.label)))
        .collect();
    nested::layout(&nested::Input {
        chart,
        states: nodes,
        diamonds: &diamond_sizes,
        labels: &labels,
        arrows: &items,
    })
}

/// The nested layout of a hierarchical chart as [`Chart::svg`] draws it, with what each arrow
/// joins: for the tests of its invariants.
#[cfg(test)]
pub(crate) fn nested_for_test(chart: &Chart) -> (Vec<(Item, Item)>, nested::Nested) {
    let names: Vec<String> = chart.states().iter().map(|s| clean(s.name())).collect();
    let summaries: Vec<String> = chart
        .states()
        .iter()
        .map(|s| truncate(&clean(&s.summary()), SUMMARY_CHARS))
        .collect();
    let (arrows, diamonds) = arrows(chart);
    let nodes = state_sizes(chart, &names, &summaries);
    let nest = nested_layout(chart, &nodes, &arrows, &diamonds).expect("the chart fits");
    (arrows.iter().map(|a| (a.from, a.to)).collect(), nest)
}

/// The layout of a flat chart: one graph of the states and the choice nodes.
fn flat_layout(
    chart: &Chart,
    mut nodes: Vec<Size>,
    arrows: &[Arrow],
    diamonds: &[Diamond],
) -> Result<layout::Layout, usize> {
    let states = chart.states().len();
    nodes.extend(diamonds.iter().map(|_| Size {
        w: DIAMOND,
        h: DIAMOND,
    }));
    let mut graph = Graph::new(
        nodes,
        arrows
            .iter()
            .map(|a| {
                let (from, to) = (flat_node(states, a.from), flat_node(states, a.to));
                Edge::new(from, to, label_size(&a.label))
            })
            .collect(),
        chart.initial(),
    );
    graph.pointed = diamonds.iter().map(|d| d.node).collect();
    layout::layout(&graph)
}

/// The width of a composite's name in the band at the top of its box, and of its hooks
/// after the name.
fn composite_label_width(c: &super::ChartComposite) -> f64 {
    text_width(&clean(c.name()), NAME_FONT)
        + c.hooks_text()
            .map_or(0.0, |hooks| 8.0 + text_width(hooks, SUMMARY_FONT))
}

/// Composite states' boxes, outermost first (so that inner boxes are drawn over their
/// parents'), each with its name and hooks in the band at its top and its description as
/// the tooltip.
fn write_composites(out: &mut String, chart: &Chart, nest: &nested::Nested) -> fmt::Result {
    let mut order: Vec<usize> = (0..chart.composites().len()).collect();
    order.sort_by_key(|&c| chart.ancestors(ChartNode::Composite(c)).count());
    for c in order {
        let (Some(composite), Some(&rect)) = (chart.composites().get(c), nest.composites.get(c))
        else {
            continue;
        };
        let name = clean(composite.name());
        let doc = clean(composite.doc());
        out.push_str("<g>");
        if doc.is_empty() {
            writeln!(out, "<title>{}</title>", escape(&name))?;
        } else {
            writeln!(out, "<title>{}: {}</title>", escape(&name), escape(&doc))?;
        }
        writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"10\" fill=\"#ffffff\" fill-opacity=\"0.6\" stroke=\"{GREY}\" stroke-width=\"1.2\"/>",
            Num(rect.x),
            Num(rect.y),
            Num(rect.w),
            Num(rect.h),
        )?;
        let band = rect.y + nested::LABEL_BAND;
        writeln!(
            out,
            "<path d=\"M{},{} L{},{}\" stroke=\"{GREY}\" stroke-width=\"1\"/>",
            Num(rect.x),
            Num(band),
            Num(rect.x + rect.w),
            Num(band),
        )?;
        let text_y = rect.y + nested::LABEL_BAND / 2.0 + 0.35 * NAME_FONT;
        write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-weight=\"bold\" fill=\"{DARK}\">{}</text>",
            Num(rect.x + 10.0),
            Num(text_y),
            escape(&name)
        )?;
        if let Some(hooks) = composite.hooks_text() {
            write!(
                out,
                "\n<text x=\"{}\" y=\"{}\" font-size=\"{}\" font-style=\"italic\" fill=\"#57606a\">{hooks}</text>",
                Num(rect.x + 18.0 + text_width(&name, NAME_FONT)),
                Num(text_y),
                Num(SUMMARY_FONT),
            )?;
        }
        out.push_str("</g>\n");
    }
    Ok(())
}

/// Each composite's start: a filled circle and an arrow to its initial child.
fn write_composite_starts(out: &mut String, nest: &nested::Nested) -> fmt::Result {
    let s = style(Change::Unchanged);
    for (dot, route) in &nest.starts {
        writeln!(
            out,
            "<g><title>start</title><circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"/>\
             <path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" marker-end=\"url(#{})\"/></g>",
            Num(dot.x + dot.w / 2.0),
            Num(dot.y + dot.h / 2.0),
            Num(nested::START_DOT / 2.0),
            s.stroke,
            PathData(&route.path),
            s.stroke,
            s.width,
            s.marker
        )?;
    }
    Ok(())
}

fn write_svg(
    out: &mut String,
    chart: &Chart,
    (lay, nest): (&layout::Layout, Option<&nested::Nested>),
    names: &[String],
    summaries: &[String],
    (arrows, diamonds): (&[Arrow], &[Diamond]),
    (width, height, changed, current): (i64, i64, bool, Option<usize>),
) -> fmt::Result {
    let states = chart.states();
    writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"{}\">",
        Num(NAME_FONT)
    )?;
    writeln!(out, "<title>{}</title>", escape(chart.name()))?;

    // Arrowheads, one per colour in use.
    let used = |change: Change| {
        arrows.iter().any(|a| a.change == change)
            || (states.get(chart.initial()).map(|s| s.change()) == Some(change))
    };
    out.push_str("<defs>\n");
    for change in CHANGES {
        if used(change) {
            let s = style(change);
            writeln!(
                out,
                "<marker id=\"{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" \
                 markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">\
                 <path d=\"M0,0 L10,5 L0,10 z\" fill=\"{}\"/></marker>",
                s.marker, s.stroke
            )?;
        }
    }
    out.push_str("</defs>\n");
    writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    )?;
    if let Some(nest) = nest {
        write_composites(out, chart, nest)?;
        write_composite_starts(out, nest)?;
    }

    // Transitions first, so that states are drawn over any edge ends.
    for (i, arrow) in arrows.iter().enumerate() {
        let Some(route) = lay.edges.get(i) else {
            continue;
        };
        let s = style(arrow.change);
        out.push_str("<g>");
        writeln!(
            out,
            "<title>{}{}</title>",
            escape(&arrow.title),
            change_note(arrow.change)
        )?;
        writeln!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{} marker-end=\"url(#{})\"/>",
            PathData(&route.path),
            s.stroke,
            s.width,
            s.shape_extra,
            s.marker
        )?;
        let label = route.label;
        if arrow.label.is_empty() {
            out.push_str("</g>\n");
            continue;
        }
        writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{}\"{}>{}</text></g>",
            Num(label.x + 1.0),
            Num(baseline(label, LABEL_FONT)),
            Num(LABEL_FONT),
            s.text,
            s.text_extra,
            escape(&arrow.label)
        )?;
    }

    // Choice nodes: diamonds whose tips are where their arrows meet.
    for diamond in diamonds {
        let Some(&rect) = lay.nodes.get(diamond.node) else {
            continue;
        };
        let s = style(diamond.change);
        let (cx, cy) = (rect.x + rect.w / 2.0, rect.y + rect.h / 2.0);
        let (hw, hh) = (DIAMOND / 2.0, rect.h / 2.0);
        writeln!(
            out,
            "<g><title>{}{}</title><path d=\"M{},{} L{},{} L{},{} L{},{} z\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}/></g>",
            escape(&diamond.title),
            change_note(diamond.change),
            Num(cx),
            Num(cy - hh),
            Num(cx + hw),
            Num(cy),
            Num(cx),
            Num(cy + hh),
            Num(cx - hw),
            Num(cy),
            s.fill,
            s.stroke,
            s.width,
            s.shape_extra
        )?;
    }

    // The start arrow.
    if let (Some((from, to)), Some(initial)) = (lay.start, states.get(chart.initial())) {
        let s = style(initial.change());
        writeln!(
            out,
            "<g><title>start</title><circle cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"{}\"/>\
             <path d=\"M{},{} L{},{}\" stroke=\"{}\" stroke-width=\"{}\" marker-end=\"url(#{})\"/></g>",
            Num(from.x),
            Num(from.y),
            s.stroke,
            Num(from.x),
            Num(from.y + 5.0),
            Num(to.x),
            Num(to.y),
            s.stroke,
            s.width,
            s.marker
        )?;
    }

    // States.
    for (i, state) in states.iter().enumerate() {
        let Some(&rect) = lay.nodes.get(i) else {
            continue;
        };
        let hooks = state.hooks_text();
        let is_current = current == Some(i);
        let s = if is_current {
            highlighted(state.change())
        } else {
            style(state.change())
        };
        let current_note = if is_current { " (current)" } else { "" };
        out.push_str("<g>");
        let doc = clean(state.doc());
        if doc.is_empty() {
            writeln!(
                out,
                "<title>{}{}{current_note}</title>",
                escape(&names[i]),
                change_note(state.change())
            )?;
        } else {
            writeln!(
                out,
                "<title>{}{}{current_note}: {}</title>",
                escape(&names[i]),
                change_note(state.change()),
                escape(&doc)
            )?;
        }
        writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}/>",
            Num(rect.x),
            Num(rect.y),
            Num(rect.w),
            Num(rect.h),
            s.fill,
            s.stroke,
            s.width,
            s.shape_extra
        )?;
        if state.is_terminal() {
            writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>",
                Num(rect.x + 3.5),
                Num(rect.y + 3.5),
                Num(rect.w - 7.0),
                Num(rect.h - 7.0),
                s.stroke,
                s.width,
                s.shape_extra
            )?;
        }
        let cx = rect.x + rect.w / 2.0;
        let summary = &summaries[i];
        let lines = small_lines(summary, hooks);
        let name_line = if lines == 0 {
            rect
        } else {
            Rect {
                h: rect.h - 14.0 - SMALL_LINE * (lines - 1) as f64,
                y: rect.y + 2.0,
                ..rect
            }
        };
        // The baseline of the small line `j` (0 = the first under the name).
        let small_baseline = |j: usize| rect.y + rect.h - 9.0 - SMALL_LINE * (lines - 1 - j) as f64;
        let small_fill = if state.change() == Change::Removed {
            GREY
        } else {
            "#57606a"
        };
        write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\"{}>{}</text>",
            Num(cx),
            Num(baseline(name_line, NAME_FONT)),
            s.text,
            s.text_extra,
            escape(&names[i])
        )?;
        if !summary.is_empty() {
            write!(
                out,
                "\n<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{}\" fill=\"{}\">{}</text>",
                Num(cx),
                Num(small_baseline(0)),
                Num(SUMMARY_FONT),
                small_fill,
                escape(summary)
            )?;
        }
        if let Some(hooks) = hooks {
            write!(
                out,
                "\n<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{}\" font-style=\"italic\" fill=\"{}\">{hooks}</text>",
                Num(cx),
                Num(small_baseline(lines - 1)),
                Num(SUMMARY_FONT),
                small_fill,
            )?;
        }
        out.push_str("</g>\n");
    }

    if changed {
        write_legend(out, lay.height - layout::MARGIN + 8.0)?;
    }
    out.push_str("</svg>\n");
    Ok(())
}

/// The legend of a diff chart, at `y`.
fn write_legend(out: &mut String, y: f64) -> fmt::Result {
    let x = layout::MARGIN;
    out.push_str("<g><title>legend</title>");
    for (i, (change, word)) in [(Change::Added, "added"), (Change::Removed, "removed")]
        .into_iter()
        .enumerate()
    {
        let s = style(change);
        let left = x + 100.0 * i as f64;
        write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"22\" height=\"14\" rx=\"3\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}/>\
             <text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{}\"{}>{}</text>",
            Num(left),
            Num(y),
            s.fill,
            s.stroke,
            s.width,
            s.shape_extra,
            Num(left + 28.0),
            Num(y + 11.0),
            Num(LABEL_FONT),
            s.text,
            s.text_extra,
            word
        )?;
    }
    out.push_str("</g>\n");
    Ok(())
}

fn change_note(change: Change) -> &'static str {
    match change {
        Change::Unchanged => "",
        Change::Added => " (added)",
        Change::Removed => " (removed)",
    }
}

/// The baseline that centres one line of text of `font` size in `rect`.
fn baseline(rect: Rect, font: f64) -> f64 {
    rect.y + rect.h / 2.0 + 0.35 * font
}

/// SVG path data for a layout path.
struct PathData<'a>(&'a Path);

impl fmt::Display for PathData<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = |f: &mut fmt::Formatter<'_>, pt: Point| write!(f, "{},{}", Num(pt.x), Num(pt.y));
        f.write_str("M")?;
        p(f, self.0.start)?;
        for segment in &self.0.segments {
            match *segment {
                Segment::Line(to) => {
                    f.write_str(" L")?;
                    p(f, to)?;
                }
                Segment::Cubic(a, b, to) => {
                    f.write_str(" C")?;
                    p(f, a)?;
                    f.write_str(" ")?;
                    p(f, b)?;
                    f.write_str(" ")?;
                    p(f, to)?;
                }
            }
        }
        Ok(())
    }
}

/// A number rounded to one decimal, written without a trailing `.0`, by integer arithmetic.
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = round(self.0 * 10.0);
        if tenths < 0 {
            f.write_str("-")?;
        }
        let t = tenths.unsigned_abs();
        write!(f, "{}", t / 10)?;
        if t % 10 != 0 {
            write!(f, ".{}", t % 10)?;
        }
        Ok(())
    }
}

/// Rounds half away from zero (saturating; NaN gives 0).
fn round(x: f64) -> i64 {
    if x < 0.0 {
        -((-x + 0.5) as i64)
    } else {
        (x + 0.5) as i64
    }
}

/// The smallest integer at least `x` (for the image size).
fn ceil(x: f64) -> i64 {
    let t = x as i64;
    if (t as f64) < x { t + 1 } else { t }
}

trait MaxF {
    fn max_f(self, other: f64) -> f64;
}

impl MaxF for f64 {
    fn max_f(self, other: f64) -> f64 {
        if other > self { other } else { self }
    }
}

/// The estimated width of monospace text.
fn text_width(text: &str, font: f64) -> f64 {
    columns(text) as f64 * CHAR_WIDTH * font
}

/// The number of monospace columns the text takes.
fn columns(text: &str) -> usize {
    text.chars().map(char_columns).sum()
}

fn char_columns(c: char) -> usize {
    let u = c as u32;
    let zero = matches!(u, 0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F) || c.is_control();
    let wide = matches!(
        u,
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1F64F
            | 0x1F900..=0x1F9FF
            | 0x20000..=0x3FFFD
    );
    if zero {
        0
    } else if wide {
        2
    } else {
        1
    }
}

/// The text without the characters XML cannot hold (controls other than newline and tab, and
/// the non-characters U+FFFE and U+FFFF).
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            !(c.is_control() && c != '\n' && c != '\t') && c != '\u{FFFE}' && c != '\u{FFFF}'
        })
        .collect()
}

/// At most `limit` characters, the last one `…` when the text was cut.
fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return String::from(text);
    }
    let mut out: String = text.chars().take(limit.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('\u{2026}');
    out
}

/// The text escaped for XML content and attribute values (and cleaned, see [`clean`]).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::string::ToString;

    use super::*;
    use crate::diagram::Drawn;

    /// The plain image, nothing highlighted.
    fn render(chart: &Chart) -> String {
        super::render(chart, None)
    }

    /// The TCP machine of RFC 793.
    fn tcp() -> Chart {
        build(
            "Tcp",
            &[
                ("Closed", ""),
                ("Listen", ""),
                ("SynSent", ""),
                ("SynReceived", ""),
                ("Established", ""),
                ("FinWait1", ""),
                ("FinWait2", ""),
                ("Closing", ""),
                ("TimeWait", ""),
                ("CloseWait", ""),
                ("LastAck", ""),
            ],
            &[],
            &[
                ("Closed", "passive_open", "Listen"),
                ("Closed", "active_open", "SynSent"),
                ("Listen", "send", "SynSent"),
                ("Listen", "receive_syn", "SynReceived"),
                ("Listen", "close", "Closed"),
                ("SynSent", "receive_syn", "SynReceived"),
                ("SynSent", "receive_syn_ack", "Established"),
                ("SynSent", "close", "Closed"),
                ("SynReceived", "receive_ack", "Established"),
                ("SynReceived", "close", "FinWait1"),
                ("SynReceived", "receive_rst", "Listen"),
                ("Established", "close", "FinWait1"),
                ("Established", "receive_fin", "CloseWait"),
                ("FinWait1", "receive_ack", "FinWait2"),
                ("FinWait1", "receive_fin", "Closing"),
                ("FinWait2", "receive_fin", "TimeWait"),
                ("Closing", "receive_ack", "TimeWait"),
                ("TimeWait", "timeout", "Closed"),
                ("CloseWait", "close", "LastAck"),
                ("LastAck", "receive_ack", "Closed"),
            ],
        )
    }

    fn order() -> Chart {
        build(
            "Order",
            &[
                ("Pending", "Waiting for the customer to pay."),
                ("Paid", "Paid; the warehouse is picking the items."),
                (
                    "Shipped",
                    "Handed to the carrier, with a tracking number that the customer can follow.",
                ),
                ("Delivered", ""),
                ("Cancelled", "Cancelled by the customer or by us."),
            ],
            &["Delivered", "Cancelled"],
            &[
                ("Pending", "pay", "Paid"),
                ("Pending", "cancel", "Cancelled"),
                ("Paid", "ship", "Shipped"),
                ("Paid", "cancel", "Cancelled"),
                ("Shipped", "deliver", "Delivered"),
            ],
        )
    }

    fn traffic_light() -> Chart {
        build(
            "TrafficLight",
            &[("Red", ""), ("Green", ""), ("Yellow", "")],
            &[],
            &[
                ("Red", "next", "Green"),
                ("Green", "next", "Yellow"),
                ("Yellow", "next", "Red"),
                ("Red", "wait", "Red"),
            ],
        )
    }

    /// The order machine, changed: `Returned` added, `ship` removed, `pack` and `Packed` added.
    fn order_diff() -> Chart {
        let mut b = Chart::builder("Order");
        let pending = b
            .state("Pending")
            .initial()
            .doc("Waiting for the customer to pay.")
            .id();
        let paid = b.state("Paid").id();
        let packed = b.state("Packed").change(Change::Added).id();
        let shipped = b.state("Shipped").id();
        let delivered = b.state("Delivered").terminal().id();
        let cancelled = b.state("Cancelled").terminal().id();
        let lost = b
            .state("Lost")
            .terminal()
            .change(Change::Removed)
            .doc("Lost by the carrier.")
            .id();
        b.transition(pending, "pay", paid)
            .transition(pending, "cancel", cancelled)
            .transition_marked(paid, "ship", shipped, Change::Removed)
            .transition_marked(paid, "pack", packed, Change::Added)
            .transition_marked(packed, "ship", shipped, Change::Added)
            .transition(paid, "cancel", cancelled)
            .transition(shipped, "deliver", delivered)
            .transition_marked(shipped, "lose", lost, Change::Removed)
            .transition_marked(delivered, "reopen", delivered, Change::Added);
        b.build().unwrap()
    }

    fn build(
        name: &str,
        states: &[(&str, &str)],
        terminal: &[&str],
        edges: &[(&str, &str, &str)],
    ) -> Chart {
        let mut b = Chart::builder(name);
        for (i, (state, doc)) in states.iter().enumerate() {
            let mut s = b.state(state);
            s.doc(doc);
            if i == 0 {
                s.initial();
            }
            if terminal.contains(state) {
                s.terminal();
            }
        }
        let id = |name: &str| states.iter().position(|s| s.0 == name).unwrap();
        for (from, event, to) in edges {
            b.transition(id(from), event, id(to));
        }
        b.build().unwrap()
    }

    /// A large machine: a ring of `n` states with chords and some parallel edges.
    fn big(n: usize) -> Chart {
        let mut b = Chart::builder("Big");
        for i in 0..n {
            let mut s = b.state(&format!("S{i}"));
            if i == 0 {
                s.initial();
            }
        }
        for i in 0..n {
            b.transition(i, "next", (i + 1) % n);
            b.transition(i, &format!("jump{i}"), (i * 7 + 3) % n);
            if i % 5 == 0 {
                b.transition(i, "back", i / 2);
            }
        }
        b.build().unwrap()
    }

    /// Many parallel edges both ways, several self-loops, an unreachable state.
    fn busy() -> Chart {
        let mut b = Chart::builder("Busy");
        let a = b.state("A").initial().id();
        let c = b.state("B").doc("The other one.").id();
        let d = b.state("Unreachable").terminal().id();
        for i in 0..4 {
            b.transition(a, &format!("there{i}"), c);
            b.transition(c, &format!("back{i}"), a);
            b.transition(a, &format!("stay{i}"), a);
        }
        b.transition(d, "rejoin", c);
        b.build().unwrap()
    }

    /// A choice (`pay -> Paid | Declined`), a guard (`refund -> Refunded?`) and hooks.
    fn payment() -> Chart {
        let mut b = Chart::builder("Payment");
        let pending = b.state("Pending").initial().doc("Created.").id();
        let paid = b.state("Paid").doc("Captured.").entry_hook().id();
        let declined = b.state("Declined").exit_hook().id();
        let refunded = b.state("Refunded").terminal().entry_hook().exit_hook().id();
        let cancelled = b.state("Cancelled").terminal().id();
        b.transition(pending, "pay", paid)
            .transition(pending, "pay", declined)
            .transition(pending, "cancel", cancelled)
            .transition_guarded(paid, "refund", refunded)
            .transition(declined, "retry", pending)
            .transition(declined, "cancel", cancelled);
        b.build().unwrap()
    }

    fn fixtures() -> Vec<(&'static str, Chart)> {
        Vec::from([
            ("tcp", tcp()),
            ("order", order()),
            ("traffic_light", traffic_light()),
            ("order_diff", order_diff()),
            ("payment", payment()),
        ])
    }

    /// Checks the parts of the SVG that every chart must have.
    fn check_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""));
        assert!(svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<g>").count(), svg.matches("</g>").count());
        assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        assert_eq!(
            svg.matches("<title>").count(),
            svg.matches("</title>").count()
        );
        assert_eq!(
            svg.matches("<marker").count(),
            svg.matches("</marker>").count()
        );
        assert_eq!(svg.matches('<').count(), svg.matches('>').count());
        for forbidden in ["<script", "href", "@import", "url(http", "NaN", "inf"] {
            assert!(!svg.contains(forbidden), "{forbidden} in {svg}");
        }
    }

    #[test]
    fn fixtures_render_every_state_and_event() {
        for (name, chart) in fixtures() {
            let svg = render(&chart);
            check_well_formed(&svg);
            assert!(
                svg.contains(&format!("<title>{}</title>", chart.name())),
                "{name}"
            );
            for state in chart.states() {
                assert!(svg.contains(&format!(">{}</text>", state.name())), "{name}");
            }
            for t in chart.transitions() {
                let guard = if t.is_guarded() { " [guard]" } else { "" };
                assert!(
                    svg.contains(&format!(">{}{guard}</text>", t.event())),
                    "{name}"
                );
            }
            // A choice adds the arrow into its node.
            let choices = chart
                .drawn()
                .iter()
                .filter(|d| matches!(d, Drawn::Choice(_)))
                .count();
            let arrows = svg.matches("marker-end=").count();
            assert_eq!(
                arrows,
                chart.transitions().len() + choices + 1,
                "{name}: start arrow + edges"
            );
        }
    }

    #[test]
    fn choices_guards_and_hooks_are_drawn() {
        let chart = payment();
        let svg = render(&chart);
        check_well_formed(&svg);
        // One diamond, with the choice as its tooltip; its branches have tooltips but no label.
        assert_eq!(svg.matches("(a choice)</title><path d=").count(), 1);
        assert!(svg.contains(
            "<g><title>Pending \u{2192} Paid | Declined: pay (a choice)</title><path d=\"M"
        ));
        for branch in ["Paid", "Declined"] {
            let title = format!("<title>Pending \u{2192} {branch}: pay</title>\n<path ");
            let at = svg
                .find(&title)
                .unwrap_or_else(|| panic!("{title} in {svg}"));
            let group = &svg[at..at + svg[at..].find("</g>").unwrap()];
            assert!(!group.contains("<text"), "{group}");
        }
        assert_eq!(svg.matches(">pay</text>").count(), 1);
        assert!(svg.contains("<title>Paid \u{2192} Refunded: refund (guarded)</title>"));
        assert!(svg.contains(">refund [guard]</text>"));
        // Hooks: a third line under the summary, or a second one.
        let line = |text: &str| {
            format!("font-size=\"10\" font-style=\"italic\" fill=\"#57606a\">{text}</text>")
        };
        assert!(svg.contains(&line("entry hook")));
        assert!(svg.contains(&line("exit hook")));
        assert!(svg.contains(&line("entry / exit hooks")));
        assert_eq!(svg.matches("font-style=\"italic\"").count(), 3);
        assert!(!render(&order()).contains("font-style"));
        // The box with a summary and hooks is the tallest.
        assert!(svg.contains("height=\"56\" rx=\"6\""));
        // The diamond's tips are where its arrows meet: the arrow into it ends at the top tip.
        let needle = "(a choice)</title><path d=\"M";
        let at = svg.find(needle).unwrap() + needle.len();
        let tip = &svg[at..at + svg[at..].find(' ').unwrap()];
        let into = svg.find("(a choice)</title>\n<path d=\"").unwrap();
        let path = &svg[into..into + svg[into..].find("\" fill").unwrap()];
        assert!(
            path.ends_with(&format!(" {tip}")),
            "{path} does not end at {tip}"
        );
    }

    #[test]
    fn rendering_is_deterministic() {
        for (_, chart) in fixtures() {
            assert_eq!(render(&chart), render(&chart.clone()));
        }
        assert_eq!(render(&big(60)), render(&big(60)));
    }

    #[test]
    fn terminal_states_have_a_double_border() {
        let svg = render(&order());
        assert_eq!(svg.matches("rx=\"6\"").count(), 5);
        assert_eq!(svg.matches("rx=\"4\"").count(), 2);
    }

    #[test]
    fn summaries_are_shown_and_truncated() {
        let svg = render(&order());
        assert!(svg.contains(">Waiting for the customer to pay.</text>"));
        assert!(svg.contains(">Handed to the carrier, with a tracking\u{2026}</text>"));
        // The full doc is the tooltip.
        assert!(svg.contains("that the customer can follow.</title>"));
    }

    #[test]
    fn diff_charts_are_marked_and_have_a_legend() {
        let svg = render(&order_diff());
        check_well_formed(&svg);
        assert!(svg.contains(GREEN) && svg.contains(GREEN_FILL) && svg.contains(GREY));
        assert!(svg.contains("stroke-dasharray"));
        assert!(svg.contains("text-decoration=\"line-through\">Lost</text>"));
        assert!(svg.contains("font-weight=\"bold\">Packed</text>"));
        assert!(svg.contains("<title>legend</title>"));
        assert!(svg.contains("url(#sw-arrow-added)") && svg.contains("url(#sw-arrow-removed)"));
        assert!(!render(&order()).contains("legend"));
        assert!(!render(&order()).contains("url(#sw-arrow-added)"));
    }

    #[test]
    fn text_is_escaped() {
        let mut b = Chart::builder("A<&>\"'");
        let a = b
            .state("Q<\"&'>")
            .initial()
            .doc("Docs with <b>tags</b> & \"quotes\" and 'apostrophes'.\u{7}\nSecond line.")
            .id();
        let c = b.state("Ünïcødé_状态").id();
        b.transition(a, "go<&>", c).transition(c, "it's", a);
        let svg = render(&b.build().unwrap());
        check_well_formed(&svg);
        assert!(svg.contains("<title>A&lt;&amp;&gt;&quot;&#39;</title>"));
        assert!(svg.contains(">Q&lt;&quot;&amp;&#39;&gt;</text>"));
        assert!(svg.contains("&lt;b&gt;tags&lt;/b&gt; &amp; &quot;quotes&quot;"));
        assert!(svg.contains(">go&lt;&amp;&gt;</text>"));
        assert!(svg.contains(">it&#39;s</text>"));
        assert!(svg.contains(">Ünïcødé_状态</text>"));
        assert!(!svg.contains('\u{7}'));
        assert!(!svg.contains("<b>"));
    }

    #[test]
    fn text_width_counts_columns() {
        assert_eq!(columns("abc"), 3);
        assert_eq!(columns("状态"), 4);
        assert_eq!(columns("e\u{301}"), 1);
        assert_eq!(columns("ü"), 1);
        assert_eq!(truncate("abcdef", 4), "abc\u{2026}");
        assert_eq!(truncate("abcd", 4), "abcd");
    }

    #[test]
    fn numbers_are_written_with_one_decimal_at_most() {
        let s = |x: f64| Num(x).to_string();
        assert_eq!(s(0.0), "0");
        assert_eq!(s(12.0), "12");
        assert_eq!(s(12.04), "12");
        assert_eq!(s(12.06), "12.1");
        assert_eq!(s(-3.25), "-3.3");
        assert_eq!(s(-0.01), "0");
        assert_eq!(s(f64::NAN), "0");
        assert_eq!(ceil(10.0), 10);
        assert_eq!(ceil(10.1), 11);
    }

    #[test]
    fn edge_cases_render() {
        // One state, nothing else.
        let mut b = Chart::builder("One");
        b.state("Only").initial().terminal();
        let svg = render(&b.build().unwrap());
        check_well_formed(&svg);
        assert!(svg.contains(">Only</text>"));

        let chart = busy();
        let svg = render(&chart);
        check_well_formed(&svg);
        for t in chart.transitions() {
            assert!(svg.contains(&format!(">{}</text>", t.event())));
        }
        // Every path is distinct.
        let mut paths: Vec<&str> = svg
            .split("<path d=\"")
            .skip(1)
            .filter_map(|p| p.split('"').next())
            .collect();
        let total = paths.len();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), total);
    }

    #[test]
    fn a_large_chart_renders() {
        let svg = render(&big(220));
        check_well_formed(&svg);
        assert!(svg.contains(">S219</text>"));
        assert!(svg.contains(">jump219</text>"));
    }
}
