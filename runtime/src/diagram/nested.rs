//! The SVG layout of a hierarchical chart: each composite state's inside is laid out on its own
//! by [`layout`](super::layout), from the innermost composites outwards, and becomes a box of
//! that size in its parent's layout.
//!
//! Every level (the top level and each composite's inside) is a graph of its children: states,
//! composite boxes and choice diamonds, plus, inside a composite, a start dot with an arrow to
//! the initial child, and *ports*: points on the top or bottom border where an arrow crosses
//! it. An arrow is cut into one segment per level it crosses:
//!
//! - at the innermost level that holds both its ends, between the children that hold them (a
//!   transition declared on a composite starts at that composite's box; one targeting a
//!   composite ends at its box), with the label;
//! - inside each composite box it enters or leaves on the way, between the child that holds
//!   its end and a port on the side of the box where the outer segment meets it (the outer
//!   level is oriented first, so the side is known), unlabelled;
//! - a transition from a composite to a state inside it (or the other way) is drawn inside
//!   the composite, from a port on its top border (or to one on its bottom border).
//!
//! The outer segment meets the box at the port's place (the layout's pinned ports), so the
//! pieces join into one path. Every level is laid out by the flat layout, whose guarantees
//! hold at each level: boxes (composite boxes among them) and labels do not overlap, and
//! segments pass through no box but their own ends'. A composite's contents lie inside its
//! box, so nothing of one level overlaps anything of another.
//!
//! The walk over levels is iterative, and a chart nests at most
//! [`MAX_NESTING`](super::MAX_NESTING) deep.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::layout::{self, Edge, Graph, Layout, Path, Point, Rect, Route, Segment, Size};
use super::{Chart, ChartNode};

/// The height of the band at the top of a composite's box that holds its name.
pub(crate) const LABEL_BAND: f64 = 24.0;
/// Room left and right of a composite's name.
const LABEL_PAD: f64 = 10.0;
/// The diameter of a composite's start dot.
pub(crate) const START_DOT: f64 = 10.0;

/// What a level draws: a state, a composite's box, or a choice diamond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Item {
    State(usize),
    Composite(usize),
    Diamond(usize),
}

/// What the nested layout needs: the chart, the sizes of the states' boxes and of the
/// diamonds (with the container each is in), the size of each composite's name, and the
/// arrows (from, to, label size) in drawing order.
pub(crate) struct Input<'a> {
    pub(crate) chart: &'a Chart,
    pub(crate) states: &'a [Size],
    pub(crate) diamonds: &'a [(Size, usize)],
    pub(crate) labels: &'a [Size],
    pub(crate) arrows: &'a [(Item, Item, Size)],
}

/// The drawing, in the image's coordinates.
pub(crate) struct Nested {
    pub(crate) width: f64,
    pub(crate) height: f64,
    pub(crate) states: Vec<Rect>,
    pub(crate) diamonds: Vec<Rect>,
    /// Each composite's box; its name goes in the band at its top.
    pub(crate) composites: Vec<Rect>,
    /// Each arrow's path and label.
    pub(crate) arrows: Vec<Route>,
    /// Per composite, its start dot and the arrow from it to the initial child.
    pub(crate) starts: Vec<(Rect, Route)>,
    /// The top level's start arrow.
    pub(crate) start: Option<(Point, Point)>,
    /// How far apart (squared) the pieces of each arrow ended and started where they were
    /// joined.
    #[cfg(test)]
    pub(crate) gaps: Vec<f64>,
}

/// A node of a level's graph.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Node {
    Item(Item),
    /// A composite's start dot.
    Start,
    /// A point on the top (`true`) or bottom border of the composite.
    Port(bool),
}

/// A segment of an arrow at one level: an edge of the level's graph.
#[derive(Debug, Clone)]
struct Seg {
    /// The arrow, or `None` for a start dot's arrow.
    arrow: Option<usize>,
    /// The level's nodes where the arrow enters the segment and where it leaves it.
    tail: usize,
    head: usize,
    /// Where the arrow really starts and ends, when that is inside the composite box `tail`
    /// (or `head`) stands for: the segment continues inside it.
    tail_real: Option<Item>,
    head_real: Option<Item>,
    label: Size,
}

impl Seg {
    /// The graph edge: from the tail to the head, except that a port is always the upper
    /// end of an edge at the top border and the lower end of one at the bottom border.
    fn geometric(&self, nodes: &[Node]) -> (usize, usize, bool) {
        let flip = matches!(nodes[self.head], Node::Port(true))
            || matches!(nodes[self.tail], Node::Port(false));
        if flip {
            (self.head, self.tail, true)
        } else {
            (self.tail, self.head, false)
        }
    }
}

/// Where a segment meets a composite box: the box's level (the composite's index) and the
/// port node in it.
type Pin = (usize, usize);

#[derive(Debug, Clone, Default)]
struct Level {
    nodes: Vec<Node>,
    /// The level's node of each item in it.
    index: BTreeMap<Item, usize>,
    segs: Vec<Seg>,
    /// Per segment, where it meets a composite box's inner port, at its tail and at its head.
    pins: Vec<(Option<Pin>, Option<Pin>)>,
    initial: usize,
    layout: Option<Layout>,
    /// The composite box's size and the inside's offset in it (composites only).
    size: Size,
    offset: f64,
}

impl Level {
    fn add(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn push(&mut self, seg: Seg) -> usize {
        self.segs.push(seg);
        self.pins.push((None, None));
        self.segs.len() - 1
    }
}

/// The container (a composite's index, or `composites().len()` for the top level) an item is
/// directly in.
fn container_of(input: &Input<'_>, item: Item) -> usize {
    let chart = input.chart;
    match item {
        Item::State(s) => chart.container(ChartNode::State(s)),
        Item::Composite(c) => chart.container(ChartNode::Composite(c)),
        Item::Diamond(d) => input
            .diamonds
            .get(d)
            .map_or(chart.composites().len(), |&(_, k)| k),
    }
}

/// The child of container `k` that holds `item` (the item itself when it is directly in `k`),
/// if `k` holds it at all.
fn child_of(input: &Input<'_>, k: usize, item: Item) -> Option<Item> {
    let top = input.chart.composites().len();
    let mut x = item;
    for _ in 0..=super::MAX_NESTING + 1 {
        let c = container_of(input, x);
        if c == k {
            return Some(x);
        }
        if c >= top {
            return None;
        }
        x = Item::Composite(c);
    }
    None
}

/// The containers an item is inside, innermost first, ending with the top level.
fn containers(input: &Input<'_>, item: Item) -> Vec<usize> {
    let top = input.chart.composites().len();
    let mut out = Vec::new();
    let mut x = item;
    for _ in 0..=super::MAX_NESTING + 1 {
        let c = container_of(input, x);
        out.push(c);
        if c >= top {
            break;
        }
        x = Item::Composite(c);
    }
    out
}

/// Lays out a hierarchical chart, or says how many layout points one of its levels would
/// need when that is more than the layout places.
pub(crate) fn layout(input: &Input<'_>) -> Result<Nested, usize> {
    let chart = input.chart;
    let top = chart.composites().len();
    let children = chart.children();
    let mut levels: Vec<Level> = Vec::from_iter((0..=top).map(|_| Level::default()));
    for (k, level) in levels.iter_mut().enumerate() {
        for &child in &children[k] {
            let item = match child {
                ChartNode::State(s) => Item::State(s),
                ChartNode::Composite(c) => Item::Composite(c),
            };
            let i = level.add(Node::Item(item));
            level.index.insert(item, i);
        }
    }
    for d in 0..input.diamonds.len() {
        let k = container_of(input, Item::Diamond(d));
        if let Some(level) = levels.get_mut(k) {
            let i = level.add(Node::Item(Item::Diamond(d)));
            level.index.insert(Item::Diamond(d), i);
        }
    }
    // Start dots and their arrows, and the top level's initial child.
    for (k, level) in levels.iter_mut().enumerate() {
        let initial = match chart.initial_child(k) {
            ChartNode::State(s) => Item::State(s),
            ChartNode::Composite(c) => Item::Composite(c),
        };
        let child = level.index.get(&initial).copied().unwrap_or(0);
        if k < top {
            let dot = level.add(Node::Start);
            level.initial = dot;
            level.push(Seg {
                arrow: None,
                tail: dot,
                head: child,
                tail_real: None,
                head_real: None,
                label: Size { w: 0.0, h: 0.0 },
            });
        } else {
            level.initial = child;
        }
    }

    // Each arrow's segments in order, as (level, segment): grown outwards from the first.
    let mut chains: Vec<Vec<(usize, usize)>> = Vec::with_capacity(input.arrows.len());
    for (a, &(from, to, label)) in input.arrows.iter().enumerate() {
        let contains = |c: usize, item: Item| containers(input, item).contains(&c);
        let (k, tail, head) = match (from, to) {
            _ if from == to => (container_of(input, from), Some(from), Some(to)),
            (Item::Composite(c), _) if contains(c, to) => (c, None, child_of(input, c, to)),
            (_, Item::Composite(c)) if contains(c, from) => (c, child_of(input, c, from), None),
            _ => {
                let outer = containers(input, to);
                let k = containers(input, from)
                    .into_iter()
                    .find(|c| outer.contains(c))
                    .unwrap_or(top);
                (k, child_of(input, k, from), child_of(input, k, to))
            }
        };
        let Some(level) = levels.get_mut(k) else {
            chains.push(Vec::new());
            continue;
        };
        let mut node = |item: Option<Item>, top_border: bool| match item {
            Some(item) => level.index.get(&item).copied(),
            None => Some(level.add(Node::Port(top_border))),
        };
        let (Some(t), Some(h)) = (node(tail, true), node(head, false)) else {
            chains.push(Vec::new());
            continue;
        };
        let real = |part: Option<Item>, end: Item| part.filter(|&p| p != end).map(|_| end);
        let seg = level.push(Seg {
            arrow: Some(a),
            tail: t,
            head: h,
            tail_real: real(tail, from),
            head_real: real(head, to),
            label,
        });
        chains.push(Vec::from([(k, seg)]));
    }

    // Top down: orient each level, and continue its segments into the boxes they meet.
    let order = level_order(chart);
    for &k in &order {
        let graph = graph_of(&levels[k], k < top, None, &levels);
        let (reversed, _) = layout::orient(&graph);
        for s in 0..levels[k].segs.len() {
            let seg = levels[k].segs[s].clone();
            let (from, to, _) = seg.geometric(&levels[k].nodes);
            if from == to {
                continue;
            }
            let upper = if reversed.get(s).copied().unwrap_or(false) {
                to
            } else {
                from
            };
            for (end, real, is_tail) in [
                (seg.tail, seg.tail_real, true),
                (seg.head, seg.head_real, false),
            ] {
                let (Some(real), Node::Item(Item::Composite(x))) = (real, levels[k].nodes[end])
                else {
                    continue;
                };
                // The segment leaves an upper box at its bottom, and enters a lower one at
                // its top.
                let top_border = end != upper;
                let inner = &mut levels[x];
                let Some(child) =
                    child_of(input, x, real).and_then(|c| inner.index.get(&c).copied())
                else {
                    continue;
                };
                let port = inner.add(Node::Port(top_border));
                let continued = (child_of(input, x, real) != Some(real)).then_some(real);
                let (tail, head, tail_real, head_real) = if is_tail {
                    (child, port, continued, None)
                } else {
                    (port, child, None, continued)
                };
                let inner_seg = inner.push(Seg {
                    arrow: seg.arrow,
                    tail,
                    head,
                    tail_real,
                    head_real,
                    label: Size { w: 0.0, h: 0.0 },
                });
                if is_tail {
                    levels[k].pins[s].0 = Some((x, port));
                } else {
                    levels[k].pins[s].1 = Some((x, port));
                }
                if let Some(chain) = seg.arrow.and_then(|a| chains.get_mut(a)) {
                    if is_tail {
                        chain.insert(0, (x, inner_seg));
                    } else {
                        chain.push((x, inner_seg));
                    }
                }
            }
        }
    }

    // Bottom up: lay out each level, its composite children's boxes sized already.
    for &k in order.iter().rev() {
        let graph = graph_of(&levels[k], k < top, Some(input), &levels);
        let lay = layout::layout(&graph)?;
        if k < top {
            let label = input
                .labels
                .get(k)
                .copied()
                .unwrap_or(Size { w: 0.0, h: 0.0 });
            let w = lay.width.max_f(label.w + 2.0 * LABEL_PAD);
            levels[k].offset = (w - lay.width) / 2.0;
            levels[k].size = Size {
                w,
                h: LABEL_BAND + lay.height,
            };
        }
        levels[k].layout = Some(lay);
    }

    // Top down again: where each level's inside is in the image.
    let mut origin: Vec<Point> = Vec::from_iter((0..=top).map(|_| Point { x: 0.0, y: 0.0 }));
    let mut composites = Vec::from_iter((0..top).map(|_| Rect {
        x: 0.0,
        y: 0.0,
        w: 0.0,
        h: 0.0,
    }));
    let mut states = Vec::from_iter(input.states.iter().map(|_| Rect {
        x: 0.0,
        y: 0.0,
        w: 0.0,
        h: 0.0,
    }));
    let mut diamonds = Vec::from_iter(input.diamonds.iter().map(|_| Rect {
        x: 0.0,
        y: 0.0,
        w: 0.0,
        h: 0.0,
    }));
    let mut starts = Vec::new();
    for &k in &order {
        let at = origin[k];
        let Some(lay) = &levels[k].layout else {
            continue;
        };
        for (i, node) in levels[k].nodes.iter().enumerate() {
            let Some(rect) = lay.nodes.get(i).map(|r| moved(*r, at)) else {
                continue;
            };
            match *node {
                Node::Item(Item::State(s)) => {
                    if let Some(slot) = states.get_mut(s) {
                        *slot = rect;
                    }
                }
                Node::Item(Item::Diamond(d)) => {
                    if let Some(slot) = diamonds.get_mut(d) {
                        *slot = rect;
                    }
                }
                Node::Item(Item::Composite(c)) => {
                    if let Some(slot) = composites.get_mut(c) {
                        *slot = rect;
                    }
                    if let Some(inner) = levels.get(c) {
                        origin[c] = Point {
                            x: rect.x + (rect.w - inner.size.w) / 2.0 + inner.offset,
                            y: rect.y + LABEL_BAND,
                        };
                    }
                }
                Node::Start | Node::Port(_) => {}
            }
        }
    }
    for (k, level) in levels.iter().enumerate().take(top) {
        let Some(lay) = &level.layout else { continue };
        let dot = lay.nodes.get(level.initial).map(|r| moved(*r, origin[k]));
        let route = lay.edges.first().map(|r| moved_route(r, origin[k]));
        if let (Some(dot), Some(route)) = (dot, route) {
            starts.push((dot, route));
        }
    }

    // Each arrow's pieces, joined.
    let mut arrows = Vec::with_capacity(chains.len());
    #[cfg(test)]
    let mut gaps: Vec<f64> = Vec::new();
    for chain in &chains {
        let mut path: Option<Path> = None;
        let mut label = Rect {
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
        };
        for &(k, s) in chain {
            let level = &levels[k];
            let Some(lay) = &level.layout else { continue };
            let Some(route) = lay.edges.get(s) else {
                continue;
            };
            let seg = &level.segs[s];
            let (from, to, flip) = seg.geometric(&level.nodes);
            let mut piece = route.path.clone();
            // A port's piece runs on to the border of the box.
            let border = |top_border: bool| {
                if top_border {
                    -LABEL_BAND
                } else {
                    level.size.h - LABEL_BAND
                }
            };
            if let Node::Port(true) = level.nodes[from] {
                let start = Point {
                    x: piece.start.x,
                    y: border(true),
                };
                let mut longer = Path {
                    start,
                    segments: Vec::from([Segment::Line(piece.start)]),
                };
                longer.segments.extend(piece.segments);
                piece = longer;
            }
            if let Node::Port(false) = level.nodes[to] {
                let end = end_of(&piece);
                piece.segments.push(Segment::Line(Point {
                    x: end.x,
                    y: border(false),
                }));
            }
            if flip {
                piece = reversed(&piece);
            }
            let piece = moved_path(&piece, origin[k]);
            if seg.label.w > 0.0 || seg.label.h > 0.0 {
                label = moved(route.label, origin[k]);
            }
            path = Some(match path {
                None => piece,
                Some(mut joined) => {
                    #[cfg(test)]
                    {
                        let end = end_of(&joined);
                        let (dx, dy) = (end.x - piece.start.x, end.y - piece.start.y);
                        gaps.push(dx * dx + dy * dy);
                    }
                    joined.segments.push(Segment::Line(piece.start));
                    joined.segments.extend(piece.segments);
                    joined
                }
            });
        }
        arrows.push(Route {
            path: path.unwrap_or(Path {
                start: Point { x: 0.0, y: 0.0 },
                segments: Vec::new(),
            }),
            label,
        });
    }
    let lay = levels[top].layout.as_ref();
    Ok(Nested {
        width: lay.map_or(0.0, |l| l.width),
        height: lay.map_or(0.0, |l| l.height),
        states,
        diamonds,
        composites,
        arrows,
        starts,
        start: lay.and_then(|l| l.start),
        #[cfg(test)]
        gaps,
    })
}

/// The containers from the top level down, each after its parent (breadth first).
fn level_order(chart: &Chart) -> Vec<usize> {
    let top = chart.composites().len();
    let children = chart.children();
    let mut order = Vec::from([top]);
    let mut next = 0;
    while next < order.len() {
        let k = order[next];
        next += 1;
        for &child in &children[k] {
            if let ChartNode::Composite(c) = child {
                order.push(c);
            }
        }
    }
    order
}

/// The graph of a level: its nodes (sized when `input` is given: the composite boxes from
/// their laid-out insides), its segments as edges (pinned at the boxes' ports once those are
/// laid out), its start dot as the initial node of a composite's inside.
fn graph_of(level: &Level, inside: bool, input: Option<&Input<'_>>, levels: &[Level]) -> Graph {
    let zero = Size { w: 0.0, h: 0.0 };
    let nodes = level
        .nodes
        .iter()
        .map(|node| match (*node, input) {
            (_, None) => zero,
            (Node::Item(Item::State(s)), Some(input)) => {
                input.states.get(s).copied().unwrap_or(zero)
            }
            (Node::Item(Item::Diamond(d)), Some(input)) => {
                input.diamonds.get(d).map_or(zero, |&(size, _)| size)
            }
            (Node::Item(Item::Composite(c)), Some(_)) => levels.get(c).map_or(zero, |l| l.size),
            (Node::Start, Some(_)) => Size {
                w: START_DOT,
                h: START_DOT,
            },
            (Node::Port(_), Some(_)) => zero,
        })
        .collect();
    // Where a segment meets a box's inner port: the port's place, from the box's left.
    let pin = |at: Option<(usize, usize)>| -> Option<f64> {
        let (x, port) = at?;
        let inner = levels.get(x)?;
        let rect = inner.layout.as_ref()?.nodes.get(port)?;
        Some(inner.offset + rect.x + rect.w / 2.0)
    };
    let edges = level
        .segs
        .iter()
        .zip(&level.pins)
        .map(|(seg, &(tail_pin, head_pin))| {
            let (from, to, flip) = seg.geometric(&level.nodes);
            let mut edge = Edge::new(from, to, seg.label);
            let (from_pin, to_pin) = if flip {
                (head_pin, tail_pin)
            } else {
                (tail_pin, head_pin)
            };
            edge.from_port = pin(from_pin);
            edge.to_port = pin(to_pin);
            edge
        })
        .collect();
    let mut graph = Graph::new(nodes, edges, level.initial);
    for (i, node) in level.nodes.iter().enumerate() {
        match node {
            Node::Item(Item::Diamond(_)) | Node::Start => graph.pointed.push(i),
            Node::Port(true) => {
                graph.pointed.push(i);
                graph.sources.push(i);
            }
            Node::Port(false) => {
                graph.pointed.push(i);
                graph.sinks.push(i);
            }
            Node::Item(_) => {}
        }
    }
    if inside {
        graph.top_space = 0.0;
    }
    graph
}

fn moved(r: Rect, by: Point) -> Rect {
    Rect {
        x: r.x + by.x,
        y: r.y + by.y,
        ..r
    }
}

fn moved_point(p: Point, by: Point) -> Point {
    Point {
        x: p.x + by.x,
        y: p.y + by.y,
    }
}

fn moved_path(path: &Path, by: Point) -> Path {
    Path {
        start: moved_point(path.start, by),
        segments: path
            .segments
            .iter()
            .map(|s| match *s {
                Segment::Line(p) => Segment::Line(moved_point(p, by)),
                Segment::Cubic(a, b, p) => {
                    Segment::Cubic(moved_point(a, by), moved_point(b, by), moved_point(p, by))
                }
            })
            .collect(),
    }
}

fn moved_route(route: &Route, by: Point) -> Route {
    Route {
        path: moved_path(&route.path, by),
        label: moved(route.label, by),
    }
}

fn end_of(path: &Path) -> Point {
    match path.segments.last() {
        None => path.start,
        Some(Segment::Line(p) | Segment::Cubic(_, _, p)) => *p,
    }
}

/// The path walked from its end to its start.
fn reversed(path: &Path) -> Path {
    let mut out = Path {
        start: end_of(path),
        segments: Vec::with_capacity(path.segments.len()),
    };
    let mut from = path.start;
    let mut pieces = Vec::with_capacity(path.segments.len());
    for segment in &path.segments {
        let (piece, end) = match *segment {
            Segment::Line(p) => (Segment::Line(from), p),
            Segment::Cubic(a, b, p) => (Segment::Cubic(b, a, from), p),
        };
        pieces.push(piece);
        from = end;
    }
    pieces.reverse();
    out.segments = pieces;
    out
}

/// `f64::max` without `std`.
trait MaxF {
    fn max_f(self, other: f64) -> f64;
}

impl MaxF for f64 {
    fn max_f(self, other: f64) -> f64 {
        if self > other { self } else { other }
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::vec::Vec;

    use super::super::svg::nested_for_test;
    use super::super::{Chart, ChartNode, Drawn};
    use super::*;
    use crate::diagram::layout::tests::samples;

    /// The media player of `tests/common/media_player.rs`: three levels, transitions declared
    /// on composites (to a sibling, outwards, to a state inside), to composites, a guard.
    fn media_player() -> Chart {
        let mut b = Chart::builder("MediaPlayer");
        let on = b.composite("On").doc("Powered on.").id();
        let loaded = b.composite("Loaded").parent(on).id();
        let running = b.composite("Running").parent(loaded).id();
        let off = b.state("Off").initial().doc("Powered off.").id();
        let empty = b.state("Empty").parent(on).id();
        let stopped = b.state("Stopped").parent(loaded).id();
        let playing = b.state("Playing").parent(running).id();
        let buffering = b.state("Buffering").parent(running).id();
        let paused = b.state("Paused").parent(loaded).id();
        let retired = b.state("Retired").terminal().id();
        b.composite_initial(on, ChartNode::State(empty));
        b.composite_initial(loaded, ChartNode::Composite(running));
        b.composite_initial(running, ChartNode::State(playing));
        b.transition(off, "power", empty).to_composite(on);
        b.transition(off, "retire", retired);
        b.transition_guarded(empty, "load", playing)
            .to_composite(loaded);
        for s in [empty, stopped, playing, buffering, paused] {
            if s != empty {
                b.transition(s, "eject", empty).inherited_from(loaded);
                b.transition(s, "stop", stopped).inherited_from(loaded);
            }
            if s == playing || s == buffering {
                b.transition(s, "pause", paused).inherited_from(running);
            }
            b.transition(s, "power", off).inherited_from(on);
        }
        b.transition(stopped, "play", playing).to_composite(running);
        b.transition(playing, "stall", buffering);
        b.transition(playing, "finish", stopped);
        b.transition(buffering, "resume", playing);
        b.transition(paused, "play", playing).to_composite(running);
        b.build().unwrap()
    }

    /// A pseudo-random hierarchical chart: `composites` composites nested at random (each in
    /// an earlier one or at the top), `states` states spread over them, and `declared`
    /// transitions declared on random states and composites to random targets (each
    /// inherited by every state inside its composite), some of them choices, some of them
    /// from a composite to itself or into it, or from inside a composite to it.
    fn generated(seed: u64, composites: usize, states: usize, declared: usize) -> Chart {
        let mut seed = seed;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut parent = Vec::new();
        for c in 0..composites {
            // Composite 0 is at the top; the others in an earlier one or at the top.
            parent.push(if c == 0 || next(4) == 0 {
                None
            } else {
                Some(next(c))
            });
        }
        // State 0 is the initial one, at the top; each composite gets one state first.
        let mut state_parent = Vec::from([None]);
        for s in 1..states {
            state_parent.push(if s <= composites {
                Some(s - 1)
            } else if next(3) == 0 {
                None
            } else {
                Some(next(composites))
            });
        }
        let mut b = Chart::builder("Generated");
        for (c, p) in parent.iter().enumerate() {
            let mut composite = b.composite(&format!("C{c}"));
            if let Some(p) = *p {
                composite.parent(p);
            }
            if c % 3 == 1 {
                composite.entry_hook();
            }
        }
        for (s, p) in state_parent.iter().enumerate() {
            let mut state = b.state(&format!("S{s}"));
            if s == 0 {
                state.initial();
            }
            if let Some(p) = *p {
                state.parent(p);
            }
        }
        // Each composite starts in its first state.
        for c in 0..composites {
            b.composite_initial(c, ChartNode::State(c + 1));
        }
        let inside = |s: usize, c: usize| {
            let mut p = state_parent[s];
            while let Some(q) = p {
                if q == c {
                    return true;
                }
                p = parent[q];
            }
            false
        };
        let entry = |c: usize| c + 1;
        for i in 0..declared {
            let event = format!("e{i}");
            let targets = if next(6) == 0 { 2 } else { 1 };
            let source_composite = next(3) == 0;
            let source = if source_composite {
                next(composites)
            } else {
                next(states)
            };
            let mut seen = Vec::new();
            for _ in 0..targets {
                let to_composite = next(3) == 0;
                let target = if to_composite {
                    next(composites)
                } else {
                    next(states)
                };
                let to = if to_composite { entry(target) } else { target };
                if seen.contains(&to) {
                    continue;
                }
                seen.push(to);
                let froms: Vec<usize> = if source_composite {
                    (0..states).filter(|&s| inside(s, source)).collect()
                } else {
                    Vec::from([source])
                };
                for from in froms {
                    b.transition(from, &event, to);
                    if source_composite {
                        b.inherited_from(source);
                    }
                    if to_composite {
                        b.to_composite(target);
                    }
                }
            }
        }
        b.build().unwrap()
    }

    /// Whether `inner` lies inside `outer`, below the band with `outer`'s name.
    fn contains(outer: &Rect, inner: &Rect) -> bool {
        inner.x >= outer.x
            && inner.x + inner.w <= outer.x + outer.w
            && inner.y >= outer.y + LABEL_BAND
            && inner.y + inner.h <= outer.y + outer.h
    }

    fn strictly_inside(r: &Rect, p: Point) -> bool {
        p.x > r.x + 1.0 && p.x < r.x + r.w - 1.0 && p.y > r.y + 1.0 && p.y < r.y + r.h - 1.0
    }

    /// The invariants of a nested layout:
    ///
    /// - everything lies within the image;
    /// - each state, choice node and composite box lies inside the box of every composite
    ///   it is in (below the band with the name);
    /// - no two states or choice nodes overlap; a composite box overlaps nothing it does not
    ///   hold (another composite's box, a state, a choice node, a label); labels overlap
    ///   nothing;
    /// - an arrow passes through no state or choice node but its own ends, and through no
    ///   composite box that holds neither of its ends (it crosses the borders of the boxes
    ///   its ends are in, and no other);
    /// - each composite's start arrow stays inside its box;
    /// - an arrow is one connected path: its pieces meet.
    fn check(chart: &Chart) -> Nested {
        let (ends, nest) = nested_for_test(chart);
        let top = chart.composites().len();
        let ancestors = |node: ChartNode| -> Vec<usize> { chart.ancestors(node).collect() };
        let diamond_containers: Vec<usize> = chart
            .drawn()
            .iter()
            .filter_map(|d| match d {
                Drawn::Choice(c) => Some(chart.container(chart.node_at(c.from))),
                Drawn::Arrow(_) => None,
            })
            .collect();
        // Every composite an item is in (for a composite, not itself).
        let held_by = |item: Item| -> Vec<usize> {
            match item {
                Item::State(s) => ancestors(ChartNode::State(s)),
                Item::Composite(c) => ancestors(ChartNode::Composite(c)),
                Item::Diamond(d) => {
                    let k = diamond_containers[d];
                    if k >= top {
                        Vec::new()
                    } else {
                        let mut out = Vec::from([k]);
                        out.extend(ancestors(ChartNode::Composite(k)));
                        out
                    }
                }
            }
        };
        let rect_of = |item: Item| match item {
            Item::State(s) => nest.states[s],
            Item::Composite(c) => nest.composites[c],
            Item::Diamond(d) => nest.diamonds[d],
        };
        let items: Vec<Item> = (0..chart.states().len())
            .map(Item::State)
            .chain((0..diamond_containers.len()).map(Item::Diamond))
            .chain((0..top).map(Item::Composite))
            .collect();
        for &item in &items {
            let r = rect_of(item);
            assert!(
                r.x >= 0.0 && r.y >= 0.0 && r.x + r.w <= nest.width && r.y + r.h <= nest.height,
                "{item:?} {r:?} is outside the image"
            );
            for c in held_by(item) {
                let outer = nest.composites[c];
                assert!(
                    contains(&outer, &r),
                    "{item:?} {r:?} is not inside C{c} {outer:?}"
                );
            }
        }
        for (i, &a) in items.iter().enumerate() {
            for &b in &items[i + 1..] {
                let (ra, rb) = (rect_of(a), rect_of(b));
                let holds = |outer: Item, inner: Item| match outer {
                    Item::Composite(c) => held_by(inner).contains(&c),
                    _ => false,
                };
                let nested = holds(a, b) || holds(b, a);
                if !nested {
                    assert!(!ra.overlaps(&rb), "{a:?} {ra:?} overlaps {b:?} {rb:?}");
                }
            }
        }
        let labels: Vec<Rect> = nest
            .arrows
            .iter()
            .map(|r| r.label)
            .filter(|l| l.w > 0.0)
            .collect();
        for (i, label) in labels.iter().enumerate() {
            for other in &labels[i + 1..] {
                assert!(!label.overlaps(other), "label {label:?} overlaps {other:?}");
            }
            for &item in &items {
                let r = rect_of(item);
                let ok = match item {
                    Item::Composite(_) => !label.overlaps(&r) || contains(&r, label),
                    _ => !label.overlaps(&r),
                };
                assert!(ok, "label {label:?} overlaps {item:?} {r:?}");
            }
        }
        for (a, route) in nest.arrows.iter().enumerate() {
            let (from, to) = ends[a];
            let mut allowed = held_by(from);
            allowed.extend(held_by(to));
            for item in [from, to] {
                if let Item::Composite(c) = item {
                    allowed.push(c);
                }
            }
            for p in samples(&route.path) {
                assert!(
                    p.x >= -0.5
                        && p.y >= -0.5
                        && p.x <= nest.width + 0.5
                        && p.y <= nest.height + 0.5,
                    "arrow {a} leaves the image at {p:?}"
                );
                for &item in &items {
                    let r = rect_of(item);
                    if !strictly_inside(&r, p) {
                        continue;
                    }
                    let fine = match item {
                        Item::Composite(c) => allowed.contains(&c),
                        other => other == from || other == to,
                    };
                    assert!(
                        fine,
                        "arrow {a} ({from:?} -> {to:?}) passes through {item:?} at {p:?}"
                    );
                }
            }
        }
        // The pieces of each arrow meet where they are joined.
        for gap in &nest.gaps {
            assert!(
                *gap < 1.0e-4,
                "the pieces of an arrow are {gap} (squared) apart"
            );
        }
        for (c, (dot, route)) in nest.starts.iter().enumerate() {
            let outer = nest.composites[c];
            assert!(contains(&outer, dot), "C{c}'s start dot is outside its box");
            for p in samples(&route.path) {
                assert!(
                    strictly_inside(&outer, p),
                    "C{c}'s start arrow leaves its box"
                );
            }
        }
        nest
    }

    #[test]
    fn the_media_player_nests_its_boxes_cleanly() {
        let chart = media_player();
        let nest = check(&chart);
        let [on, loaded, running] = [0, 1, 2].map(|c| nest.composites[c]);
        assert!(contains(&on, &loaded) && contains(&loaded, &running));
        // `power` is declared on `On` and leaves its border; `load` ends on `Loaded`'s.
        let (ends, _) = nested_for_test(&chart);
        let power = ends
            .iter()
            .position(|&e| e == (Item::Composite(0), Item::State(0)))
            .unwrap();
        let start = nest.arrows[power].path.start;
        let on_border =
            |r: &Rect, p: Point| (p.y == r.y || p.y == r.y + r.h) && p.x >= r.x && p.x <= r.x + r.w;
        assert!(on_border(&on, start), "{start:?} is not on {on:?}");
        let load = ends
            .iter()
            .position(|&e| e == (Item::State(1), Item::Composite(1)))
            .unwrap();
        let end = end_of(&nest.arrows[load].path);
        assert!(on_border(&loaded, end), "{end:?} is not on {loaded:?}");
        // `stop`, declared on `Loaded`, goes from its border to `Stopped` inside it.
        let stop = ends
            .iter()
            .position(|&e| e == (Item::Composite(1), Item::State(2)))
            .unwrap();
        assert!(on_border(&loaded, nest.arrows[stop].path.start));
        assert_eq!(nest.starts.len(), 3);
    }

    #[test]
    fn generated_hierarchies_lay_out_cleanly() {
        for seed in 1..=40u64 {
            let chart = generated(seed * 0x9e37_79b9, 2 + (seed % 5) as usize, 12, 18);
            check(&chart);
        }
        check(&generated(7, 12, 60, 90));
    }

    #[test]
    fn nested_layout_is_deterministic() {
        let chart = generated(99, 5, 20, 30);
        assert_eq!(chart.svg(), chart.clone().svg());
        assert_eq!(media_player().svg(), media_player().svg());
    }
}
