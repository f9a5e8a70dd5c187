//! Layered layout of a chart for SVG: where the boxes, the edges and their labels go.
//!
//! This module knows nothing about SVG or fonts: it lays out a [`Graph`] of boxes (sizes given
//! by the caller) joined by labelled edges and returns a [`Layout`] of rectangles and paths in
//! a coordinate system whose origin is the top-left corner of the image. The layout reads top
//! to bottom: the initial state is at the top, and transitions flow down.
//!
//! The algorithm is the classic layered ("Sugiyama") one, in the way Graphviz `dot` does it:
//!
//! 1. **Cycle removal.** A depth-first search from the initial state, following transitions in
//!    declaration order, finds the back edges (edges to a state still on the search stack) and
//!    reverses them, which leaves a DAG. States not reachable from the initial state (possible
//!    in a diff chart) are searched afterwards, in declaration order; an edge from such a state
//!    into the reachable part is reversed too, so that unreachable states go below.
//! 2. **Layering.** Each state gets the longest-path layer in the DAG: the initial state is
//!    layer 0 and every edge goes at least one layer down. Unreachable states start below the
//!    last reachable layer. Self-loops take no part in layering.
//! 3. **Ranks and dummy vertices.** Layer `l` becomes rank `2l`; the odd ranks between them
//!    hold edge labels. Every edge is split into a chain of vertices, one per rank it crosses:
//!    plain dummies, and one *label vertex* (as wide as the label) in the odd rank nearest the
//!    middle of the edge. Labels are thus laid out like boxes and can never overlap a state,
//!    another label or another edge. Parallel edges get their own chains, so they run side by
//!    side, each with its own label.
//! 4. **Crossing reduction.** Starting from declaration order, alternating down and up sweeps
//!    sort each rank by the barycenter of the neighbours' positions in the previous rank,
//!    followed by a pass of adjacent swaps ("transpose") that keeps any swap that removes
//!    crossings. A fixed number of sweeps is run and the ordering with the fewest crossings
//!    (counted exactly, with a Fenwick tree) is kept.
//! 5. **Coordinates.** Vertices of a rank are kept in order with a minimum separation (their
//!    widths plus a gap). Repeated passes move every vertex towards the weighted mean of its
//!    neighbours in the rank above, below, or both (dummy-to-dummy links weigh the most, so
//!    long edges run straight); each pass is an exact weighted least-squares fit under the
//!    ordering constraints (isotonic regression by pool-adjacent-violators).
//! 6. **Routing.** Each rank is a horizontal band; the gap between two bands grows with the
//!    horizontal distance edges must cover in it. Edges run vertically through the bands (a
//!    dummy or label vertex is a vertical segment) and cross each gap with a cubic Bézier with
//!    vertical tangents, so they never pass through a box. Edges leave a state from its bottom
//!    and enter at its top (ports spread along the side in the order of the edges' next
//!    vertices); reversed edges are drawn from the end of their chain so the arrow points the
//!    right way. Self-loops are loops on the right side of their state, their labels stacked to
//!    the right of the loops (space for them is reserved in the state's width). A *pointed*
//!    node (a choice diamond) is a vertex like any other, but all its edges meet at the middle
//!    of its top and bottom sides, the diamond's tips, and it never grows.
//!
//! A graph that needs more than [`MAX_VERTICES`] vertices (its nodes plus one per rank each
//! edge crosses, counted after step 2 and before any is made) is not laid out: the caller gets
//! the count and reports it. Every later step is linear in the vertices (up to sorting), so
//! the memory grows with the drawing, and the drawing is capped.
//!
//! Everything is deterministic: no hash maps, stable sorts with index tie-breaks, fixed
//! iteration counts, and only `+ - * /` on `f64`, which IEEE 754 makes identical everywhere.

use alloc::vec;
use alloc::vec::Vec;

/// A point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    pub(crate) x: f64,
    pub(crate) y: f64,
}

/// An axis-aligned rectangle: top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) w: f64,
    pub(crate) h: f64,
}

impl Rect {
    /// Whether the two rectangles share any interior point.
    #[cfg(test)]
    pub(crate) fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.w
            && other.x < self.x + self.w
            && self.y < other.y + other.h
            && other.y < self.y + self.h
    }
}

/// A width and a height.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Size {
    pub(crate) w: f64,
    pub(crate) h: f64,
}

/// A piece of a [`Path`], continuing from the previous end point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Segment {
    /// A straight line to the point.
    Line(Point),
    /// A cubic Bézier: two control points, then the end point.
    Cubic(Point, Point, Point),
}

/// A path: a start point and segments. The arrow goes at the end.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Path {
    pub(crate) start: Point,
    pub(crate) segments: Vec<Segment>,
}

impl Path {
    fn new(start: Point) -> Path {
        Path {
            start,
            segments: Vec::new(),
        }
    }

    fn end(&self) -> Point {
        match self.segments.last() {
            None => self.start,
            Some(Segment::Line(p) | Segment::Cubic(_, _, p)) => *p,
        }
    }

    /// A straight line to `to`, left out when it has no length.
    fn line_to(&mut self, to: Point) {
        let end = self.end();
        if abs(end.x - to.x) > 0.01 || abs(end.y - to.y) > 0.01 {
            self.segments.push(Segment::Line(to));
        }
    }

    /// A curve to `to` that leaves and arrives vertically.
    fn curve_to(&mut self, to: Point) {
        let from = self.end();
        let k = (to.y - from.y) / 2.0;
        self.segments.push(Segment::Cubic(
            Point {
                x: from.x,
                y: from.y + k,
            },
            Point {
                x: to.x,
                y: to.y - k,
            },
            to,
        ));
    }

    /// The same path, walked from its end to its start.
    fn reversed(&self) -> Path {
        let mut path = Path::new(self.end());
        let mut from = self.start;
        let mut pieces = Vec::with_capacity(self.segments.len());
        for segment in &self.segments {
            let (seg, end) = match *segment {
                Segment::Line(p) => (Segment::Line(from), p),
                Segment::Cubic(a, b, p) => (Segment::Cubic(b, a, from), p),
            };
            pieces.push(seg);
            from = end;
        }
        pieces.reverse();
        path.segments = pieces;
        path
    }
}

/// An edge to lay out: from and to are indices into [`Graph::nodes`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Edge {
    pub(crate) from: usize,
    pub(crate) to: usize,
    /// The size of the edge's label.
    pub(crate) label: Size,
    /// Where on its side of the `from` node the edge must meet it, from the left of the size
    /// asked for (a composite's box, whose inside is laid out already); `None` to let the
    /// layout spread the ports.
    pub(crate) from_port: Option<f64>,
    /// The same for the `to` node.
    pub(crate) to_port: Option<f64>,
}

impl Edge {
    /// An edge whose ports the layout places.
    pub(crate) fn new(from: usize, to: usize, label: Size) -> Edge {
        Edge {
            from,
            to,
            label,
            from_port: None,
            to_port: None,
        }
    }
}

/// What to lay out: box sizes, edges in declaration order, and the initial node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Graph {
    pub(crate) nodes: Vec<Size>,
    pub(crate) edges: Vec<Edge>,
    pub(crate) initial: usize,
    /// The pointed nodes (choice diamonds), by index into `nodes`: their edges all leave from
    /// the middle of the bottom side and enter at the middle of the top side.
    pub(crate) pointed: Vec<usize>,
    /// Nodes that go in the first layer and are searched from right after the initial node
    /// (the ports where edges enter a composite's box from above): empty for a flat chart.
    pub(crate) sources: Vec<usize>,
    /// Nodes that go in a layer of their own below every other (the ports where edges leave a
    /// composite's box at the bottom): empty for a flat chart.
    pub(crate) sinks: Vec<usize>,
    /// The room above the first rank: [`START_SPACE`] for the start marker.
    pub(crate) top_space: f64,
}

impl Graph {
    /// A graph of these nodes and edges, with the start marker's room above it and no
    /// pointed nodes, sources or sinks.
    pub(crate) fn new(nodes: Vec<Size>, edges: Vec<Edge>, initial: usize) -> Graph {
        Graph {
            nodes,
            edges,
            initial,
            pointed: Vec::new(),
            sources: Vec::new(),
            sinks: Vec::new(),
            top_space: START_SPACE,
        }
    }
}

/// Where an edge goes: its path (arrow at the end) and its label's rectangle.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Route {
    pub(crate) path: Path,
    pub(crate) label: Rect,
}

/// The result: the image size, a box per node and a route per edge (in input order), and the
/// start arrow (from, to) into the initial node. A box may be wider than asked for, when many
/// edges meet on one of its sides; it is never narrower.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    pub(crate) width: f64,
    pub(crate) height: f64,
    pub(crate) nodes: Vec<Rect>,
    pub(crate) edges: Vec<Route>,
    pub(crate) start: Option<(Point, Point)>,
}

/// Space around the drawing.
pub(crate) const MARGIN: f64 = 16.0;
/// Room above the first rank for the start marker.
pub(crate) const START_SPACE: f64 = 30.0;
/// Horizontal gap between two boxes of a rank.
const NODE_GAP: f64 = 28.0;
/// Horizontal gap next to an edge (dummy or label vertex).
const EDGE_GAP: f64 = 12.0;
/// Space between an edge and its label.
const LABEL_PAD: f64 = 4.0;
/// Horizontal reach of the innermost self-loop; each further loop reaches further.
const LOOP_REACH: f64 = 26.0;
const LOOP_STEP: f64 = 12.0;
/// The fraction of a loop's control-point reach that the curve actually reaches.
const LOOP_EXTENT: f64 = 0.75;
/// Crossing-reduction sweeps.
const SWEEPS: usize = 24;
/// Coordinate-assignment passes.
const PASSES: usize = 12;
/// Largest distance between two neighbouring ports on a side of a box.
const PORT_SPACING: f64 = 14.0;
/// Keep ports this far from a box's corners.
const PORT_INSET: f64 = 8.0;

fn abs(x: f64) -> f64 {
    if x < 0.0 { -x } else { x }
}

fn max(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

fn min(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    max(lo, min(hi, x))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A node of the graph.
    Node(usize),
    /// A point on a long edge.
    Dummy,
    /// The label of an edge.
    Label(usize),
}

#[derive(Debug, Clone)]
struct Vertex {
    rank: usize,
    kind: Kind,
    /// Extent left of the anchor (the x the vertex's edges pass through).
    left: f64,
    /// Extent right of the anchor.
    right: f64,
    height: f64,
}

/// An edge split into vertices, top to bottom.
#[derive(Debug, Clone)]
struct Chain {
    vertices: Vec<usize>,
    /// The edge goes bottom to top (against the ranks).
    reversed: bool,
}

/// The most vertices (nodes, plus one per rank each edge crosses) [`layout`] lays out. Every
/// vertex costs about 400 bytes and a piece of every later step, and becomes a piece of path
/// in the image: at this limit the layout takes about a second and 100 MB, and the SVG is
/// about 15 MB. A chain of `n` states with an edge back from each to the first needs about
/// `n * n` vertices, so 500 states are the most such a chart can have.
pub(crate) const MAX_VERTICES: usize = 250_000;

/// Lays out the graph, or says how many vertices it would need when that is more than
/// [`MAX_VERTICES`] (counted before any is made). Never panics, for any indices within
/// `graph.nodes`.
pub(crate) fn layout(graph: &Graph) -> Result<Layout, usize> {
    let n = graph.nodes.len();
    // Out-of-range edges cannot come from a chart; ignore them rather than panic.
    let valid = |e: &Edge| e.from < n && e.to < n;
    let (reversed, reachable) = orient(graph);
    let layers = assign_layers(graph, &reversed, &reachable);
    let needed = graph
        .edges
        .iter()
        .filter(|e| valid(e) && e.from != e.to)
        .map(|e| {
            let (a, b) = (layers[e.from], layers[e.to]);
            (2 * a.abs_diff(b)).saturating_sub(1)
        })
        .fold(n, usize::saturating_add);
    if needed > MAX_VERTICES {
        return Err(needed);
    }
    let mut pointed = vec![false; n];
    for &p in &graph.pointed {
        if let Some(slot) = pointed.get_mut(p) {
            *slot = true;
        }
    }

    // Self-loops, per node, in edge order.
    let mut loops: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in graph.edges.iter().enumerate() {
        if valid(e) && e.from == e.to {
            loops[e.from].push(i);
        }
    }

    // Vertices: the nodes first, then the chains' inner vertices in edge order.
    let mut vertices: Vec<Vertex> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, size)| {
            let (reach, label_w, label_h) = loop_reserve(graph, &loops[i]);
            Vertex {
                rank: 2 * layers.get(i).copied().unwrap_or(0),
                kind: Kind::Node(i),
                left: size.w / 2.0,
                right: size.w / 2.0
                    + if loops[i].is_empty() {
                        0.0
                    } else {
                        reach + LABEL_PAD + label_w
                    },
                height: max(size.h, label_h),
            }
        })
        .collect();
    let mut chains: Vec<Option<Chain>> = Vec::with_capacity(graph.edges.len());
    for (i, e) in graph.edges.iter().enumerate() {
        if !valid(e) || e.from == e.to {
            chains.push(None);
            continue;
        }
        let rev = reversed[i];
        let (top, bottom) = if rev { (e.to, e.from) } else { (e.from, e.to) };
        let (lt, lb) = (layers[top], layers[bottom]);
        let mut chain = vec![top];
        if lb > lt {
            let label_rank = 2 * (lt + (lb - lt - 1) / 2) + 1;
            for rank in 2 * lt + 1..2 * lb {
                let kind = if rank == label_rank {
                    Kind::Label(i)
                } else {
                    Kind::Dummy
                };
                let (right, height) = match kind {
                    Kind::Label(_) => (LABEL_PAD + e.label.w, e.label.h),
                    _ => (0.0, 0.0),
                };
                chain.push(vertices.len());
                vertices.push(Vertex {
                    rank,
                    kind,
                    left: 0.0,
                    right,
                    height,
                });
            }
        }
        chain.push(bottom);
        chains.push(Some(Chain {
            vertices: chain,
            reversed: rev,
        }));
    }

    // Boxes with many edges on a side grow so that the arrowheads stay apart.
    let mut widths: Vec<f64> = graph.nodes.iter().map(|size| size.w).collect();
    let mut ends = vec![(0usize, 0usize); n];
    for chain in chains.iter().flatten() {
        ends[chain.vertices[0]].0 += 1;
        ends[chain.vertices[chain.vertices.len() - 1]].1 += 1;
    }
    for (i, &(bottom, top)) in ends.iter().enumerate() {
        if pointed[i] {
            continue;
        }
        let ports = max_usize(bottom, top);
        let need = ports.saturating_sub(1) as f64 * PORT_SPACING + 2.0 * PORT_INSET;
        if need > widths[i] {
            let extra = (need - widths[i]) / 2.0;
            widths[i] = need;
            vertices[i].left += extra;
            vertices[i].right += extra;
        }
    }

    // Links between consecutive vertices of chains, with coordinate weights.
    let count = vertices.len();
    let mut up: Vec<Vec<(usize, f64)>> = vec![Vec::new(); count];
    let mut down: Vec<Vec<(usize, f64)>> = vec![Vec::new(); count];
    for chain in chains.iter().flatten() {
        for pair in chain.vertices.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let real = |v: usize| matches!(vertices[v].kind, Kind::Node(_));
            let weight = match (real(a), real(b)) {
                (false, false) => 8.0,
                (true, true) => 1.0,
                _ => 2.0,
            };
            down[a].push((b, weight));
            up[b].push((a, weight));
        }
    }

    let rank_count = vertices.iter().map(|v| v.rank + 1).max().unwrap_or(1);
    let mut ranks: Vec<Vec<usize>> = vec![Vec::new(); rank_count];
    for (i, v) in vertices.iter().enumerate() {
        ranks[v.rank].push(i);
    }
    let ranks = order(ranks, &up, &down, count);
    let mut xs = coordinates(&ranks, &vertices, &up, &down);
    straighten(&ranks, &vertices, &chains, &mut xs);

    // Vertical bands.
    let mut band_h = vec![0.0; rank_count];
    for v in &vertices {
        band_h[v.rank] = max(band_h[v.rank], v.height);
    }
    let mut band_top = vec![0.0; rank_count];
    let mut y = MARGIN + graph.top_space;
    for r in 0..rank_count {
        band_top[r] = y;
        y += band_h[r];
        if r + 1 < rank_count {
            let mut reach: f64 = 0.0;
            for &v in &ranks[r] {
                for &(w, _) in &down[v] {
                    reach = max(reach, abs(xs[w] - xs[v]));
                }
            }
            y += clamp(12.0 + reach * 0.2, 18.0, 56.0);
        }
    }
    let content_bottom = y;

    // Horizontal extent; shift everything so the drawing starts at the margin.
    let mut lo = f64::MAX;
    let mut hi = f64::MIN;
    for (i, v) in vertices.iter().enumerate() {
        lo = min(lo, xs[i] - v.left);
        hi = max(hi, xs[i] + v.right);
    }
    if count == 0 {
        lo = 0.0;
        hi = 0.0;
    }
    let shift = MARGIN - lo;
    let xs: Vec<f64> = xs.iter().map(|x| x + shift).collect();

    let node_rect = |i: usize| -> Rect {
        let h = graph.nodes[i].h;
        let v = &vertices[i];
        Rect {
            x: xs[i] - widths[i] / 2.0,
            y: band_top[v.rank] + (band_h[v.rank] - h) / 2.0,
            w: widths[i],
            h,
        }
    };
    let nodes: Vec<Rect> = (0..n).map(node_rect).collect();

    // Ports: where each chain leaves its top node (bottom side) and enters its bottom node
    // (top side).
    let mut bottom_port = vec![0.0; graph.edges.len()];
    let mut top_port = vec![0.0; graph.edges.len()];
    let mut leaving: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n];
    let mut entering: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n];
    for (e, chain) in chains.iter().enumerate() {
        if let Some(chain) = chain {
            let k = chain.vertices.len();
            let (first, last) = (chain.vertices[0], chain.vertices[k - 1]);
            leaving[first].push((xs[chain.vertices[1]], e));
            entering[last].push((xs[chain.vertices[k - 2]], e));
        }
    }
    for node in 0..n {
        let rect = nodes[node];
        for (list, ports) in [
            (&mut leaving[node], &mut bottom_port),
            (&mut entering[node], &mut top_port),
        ] {
            list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let k = list.len();
            let usable = max(0.0, rect.w - 2.0 * PORT_INSET);
            let spacing = if k > 1 && !pointed[node] {
                min(PORT_SPACING, usable / (k - 1) as f64)
            } else {
                0.0
            };
            let centre = rect.x + rect.w / 2.0;
            for (j, &(_, e)) in list.iter().enumerate() {
                ports[e] = centre + (j as f64 - (k as f64 - 1.0) / 2.0) * spacing;
            }
        }
    }
    // Ports the caller placed (on a composite's box), measured from the left of the size it
    // asked for, which sits in the middle of the box when the box grew.
    for (e, chain) in chains.iter().enumerate() {
        let Some(chain) = chain else { continue };
        let edge = &graph.edges[e];
        let k = chain.vertices.len();
        let (first, last) = (chain.vertices[0], chain.vertices[k - 1]);
        let (top_pin, bottom_pin) = if chain.reversed {
            (edge.to_port, edge.from_port)
        } else {
            (edge.from_port, edge.to_port)
        };
        let at = |node: usize, pin: f64| {
            let rect = nodes[node];
            rect.x + (rect.w - graph.nodes[node].w) / 2.0 + clamp(pin, 0.0, graph.nodes[node].w)
        };
        if let Some(pin) = top_pin {
            bottom_port[e] = at(first, pin);
        }
        if let Some(pin) = bottom_pin {
            top_port[e] = at(last, pin);
        }
    }

    // Each self-loop's place in its node's stack and the height of the labels above it, and
    // each node's loop reserve: one pass, not a scan of the stack per loop.
    let mut loop_place: Vec<(usize, f64)> = vec![(0, 0.0); graph.edges.len()];
    for list in &loops {
        let mut above: f64 = core::iter::empty::<f64>().sum();
        for (index, &e) in list.iter().enumerate() {
            loop_place[e] = (index, above);
            above += graph.edges[e].label.h;
        }
    }
    let reserves: Vec<(f64, f64, f64)> = loops.iter().map(|l| loop_reserve(graph, l)).collect();

    // Routes.
    let mut edges = Vec::with_capacity(graph.edges.len());
    for (e, edge) in graph.edges.iter().enumerate() {
        let route = match &chains[e] {
            Some(chain) => {
                let k = chain.vertices.len();
                let (first, last) = (chain.vertices[0], chain.vertices[k - 1]);
                let from_rect = nodes[first];
                let to_rect = nodes[last];
                let rank_of = |v: usize| vertices[v].rank;
                let mut path = Path::new(Point {
                    x: bottom_port[e],
                    y: from_rect.y + from_rect.h,
                });
                path.line_to(Point {
                    x: bottom_port[e],
                    y: band_top[rank_of(first)] + band_h[rank_of(first)],
                });
                let mut label = Rect {
                    x: 0.0,
                    y: 0.0,
                    w: edge.label.w,
                    h: edge.label.h,
                };
                for &v in &chain.vertices[1..k - 1] {
                    let r = rank_of(v);
                    path.curve_to(Point {
                        x: xs[v],
                        y: band_top[r],
                    });
                    path.line_to(Point {
                        x: xs[v],
                        y: band_top[r] + band_h[r],
                    });
                    if vertices[v].kind == Kind::Label(e) {
                        label.x = xs[v] + LABEL_PAD;
                        label.y = band_top[r] + (band_h[r] - edge.label.h) / 2.0;
                    }
                }
                path.curve_to(Point {
                    x: top_port[e],
                    y: band_top[rank_of(last)],
                });
                path.line_to(Point {
                    x: top_port[e],
                    y: to_rect.y,
                });
                let path = if chain.reversed {
                    path.reversed()
                } else {
                    path
                };
                Route { path, label }
            }
            None => self_loop(graph, &reserves, loop_place[e], &nodes, e),
        };
        edges.push(route);
    }

    let start = (graph.initial < n).then(|| {
        let rect = nodes[graph.initial];
        let x = rect.x + rect.w / 2.0;
        (
            Point {
                x,
                y: rect.y - graph.top_space + 6.0,
            },
            Point { x, y: rect.y },
        )
    });

    Ok(Layout {
        width: hi - lo + 2.0 * MARGIN,
        height: content_bottom + MARGIN,
        nodes,
        edges,
        start,
    })
}

/// The reach of the outermost self-loop of a node and the size of its stacked loop labels.
fn loop_reserve(graph: &Graph, loops: &[usize]) -> (f64, f64, f64) {
    if loops.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let reach = (LOOP_REACH + LOOP_STEP * (loops.len() - 1) as f64) * LOOP_EXTENT;
    let mut w: f64 = 0.0;
    let mut h = 0.0;
    for &e in loops {
        w = max(w, graph.edges[e].label.w);
        h += graph.edges[e].label.h;
    }
    (reach, w, h)
}

/// The route of a self-loop: a loop on the right side of its node, the label to its right.
///
/// `reserves` are the nodes' [`loop_reserve`]s; `place` is the loop's index in its node's
/// stack and the height of the labels above it.
fn self_loop(
    graph: &Graph,
    reserves: &[(f64, f64, f64)],
    place: (usize, f64),
    nodes: &[Rect],
    e: usize,
) -> Route {
    let edge = graph.edges[e];
    let Some(rect) = nodes.get(edge.from).copied() else {
        return Route {
            path: Path::new(Point { x: 0.0, y: 0.0 }),
            label: Rect {
                x: 0.0,
                y: 0.0,
                w: 0.0,
                h: 0.0,
            },
        };
    };
    let (index, above) = place;
    let (reach, _, total_h) = reserves.get(edge.from).copied().unwrap_or((0.0, 0.0, 0.0));
    let right = rect.x + rect.w;
    let cy = rect.y + rect.h / 2.0;
    let spread = min(rect.h / 2.0 - 3.0, 5.0 + 3.0 * index as f64);
    let spread = max(spread, 1.0);
    let dx = LOOP_REACH + LOOP_STEP * index as f64;
    let dy = 4.0 + 3.0 * index as f64;
    let mut path = Path::new(Point {
        x: right,
        y: cy - spread,
    });
    path.segments.push(Segment::Cubic(
        Point {
            x: right + dx,
            y: cy - spread - dy,
        },
        Point {
            x: right + dx,
            y: cy + spread + dy,
        },
        Point {
            x: right,
            y: cy + spread,
        },
    ));
    Route {
        path,
        label: Rect {
            x: right + reach + LABEL_PAD,
            y: cy - total_h / 2.0 + above,
            w: edge.label.w,
            h: edge.label.h,
        },
    }
}

/// Step 1: which edges to reverse to break cycles, and which nodes the initial one reaches.
pub(crate) fn orient(graph: &Graph) -> (Vec<bool>, Vec<bool>) {
    let n = graph.nodes.len();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in graph.edges.iter().enumerate() {
        if e.from < n && e.to < n && e.from != e.to {
            out[e.from].push(i);
        }
    }
    let mut reversed = vec![false; graph.edges.len()];
    let mut reachable = vec![false; n];
    // 0: not seen, 1: on the stack, 2: done.
    let mut state = vec![0u8; n];
    // The initial node, then the sources (reachable too), then every node in order.
    let reachable_roots = 1 + graph.sources.len();
    let roots = core::iter::once(graph.initial)
        .chain(graph.sources.iter().copied())
        .chain(0..n);
    let mut first = true;
    for (r, root) in roots.enumerate() {
        if r < reachable_roots && root < n && state[root] == 0 {
            first = true;
        }
        if root >= n || state[root] != 0 {
            first = false;
            continue;
        }
        // Iterative DFS: (node, next out-edge to look at).
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if first {
                reachable[v] = true;
            }
            if let Some(&e) = out[v].get(*next) {
                *next += 1;
                let w = graph.edges[e].to;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
        first = false;
    }
    // Edges from the unreachable part into the reachable part point up: the unreachable
    // states go below.
    for (i, e) in graph.edges.iter().enumerate() {
        if e.from < n && e.to < n && !reachable[e.from] && reachable[e.to] {
            reversed[i] = true;
        }
    }
    (reversed, reachable)
}

/// Step 2: longest-path layers of the DAG, reachable nodes first.
fn assign_layers(graph: &Graph, reversed: &[bool], reachable: &[bool]) -> Vec<usize> {
    let n = graph.nodes.len();
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for (i, e) in graph.edges.iter().enumerate() {
        if e.from < n && e.to < n && e.from != e.to {
            let (a, b) = if reversed[i] {
                (e.to, e.from)
            } else {
                (e.from, e.to)
            };
            succ[a].push(b);
            indegree[b] += 1;
        }
    }
    // Kahn's algorithm, FIFO in index order.
    let mut topo = Vec::with_capacity(n);
    let mut queue: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut head = 0;
    while head < queue.len() {
        let v = queue[head];
        head += 1;
        topo.push(v);
        for &w in &succ[v] {
            indegree[w] -= 1;
            if indegree[w] == 0 {
                queue.push(w);
            }
        }
    }
    // The orientation is acyclic by construction; still, never lose a node.
    if topo.len() < n {
        let mut seen = vec![false; n];
        for &v in &topo {
            seen[v] = true;
        }
        topo.extend((0..n).filter(|&v| !seen[v]));
    }
    let mut layer = vec![0usize; n];
    let mut floor = 0;
    for pass in [true, false] {
        let mut deepest = 0;
        for &v in &topo {
            if reachable[v] != pass {
                continue;
            }
            layer[v] = max_usize(layer[v], floor);
            deepest = max_usize(deepest, layer[v]);
            for &w in &succ[v] {
                layer[w] = max_usize(layer[w], layer[v] + 1);
            }
        }
        floor = deepest + 1;
    }
    // Sinks go below everything else.
    if !graph.sinks.is_empty() {
        let mut sink = vec![false; n];
        for &v in &graph.sinks {
            if let Some(slot) = sink.get_mut(v) {
                *slot = true;
            }
        }
        let bottom = (0..n)
            .filter(|&v| !sink[v])
            .map(|v| layer[v] + 1)
            .fold(1, max_usize);
        for v in 0..n {
            if sink[v] {
                layer[v] = bottom;
            }
        }
    }
    layer
}

fn max_usize(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// Step 4: orders each rank to reduce crossings; returns the best ordering found.
fn order(
    mut ranks: Vec<Vec<usize>>,
    up: &[Vec<(usize, f64)>],
    down: &[Vec<(usize, f64)>],
    count: usize,
) -> Vec<Vec<usize>> {
    let mut pos = vec![0usize; count];
    let set_positions = |ranks: &[Vec<usize>], pos: &mut [usize]| {
        for rank in ranks {
            for (i, &v) in rank.iter().enumerate() {
                pos[v] = i;
            }
        }
    };
    set_positions(&ranks, &mut pos);
    let mut best = ranks.clone();
    let mut best_crossings = crossings(&ranks, &pos, down);
    for sweep in 0..SWEEPS {
        if best_crossings == 0 {
            break;
        }
        let downward = sweep % 2 == 0;
        let rank_order: Vec<usize> = if downward {
            (1..ranks.len()).collect()
        } else {
            (0..ranks.len().saturating_sub(1)).rev().collect()
        };
        for r in rank_order {
            let (fixed_len, neighbours) = if downward {
                (ranks[r - 1].len(), up)
            } else {
                (ranks[r + 1].len(), down)
            };
            let len = ranks[r].len();
            let mut keyed: Vec<(f64, usize, usize)> = ranks[r]
                .iter()
                .map(|&v| {
                    let list = &neighbours[v];
                    let key = if list.is_empty() {
                        (pos[v] as f64 + 0.5) / len as f64
                    } else {
                        let sum: f64 = list.iter().map(|&(w, _)| pos[w] as f64 + 0.5).sum();
                        sum / list.len() as f64 / fixed_len as f64
                    };
                    (key, pos[v], v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            ranks[r] = keyed.into_iter().map(|(_, _, v)| v).collect();
            for (i, &v) in ranks[r].iter().enumerate() {
                pos[v] = i;
            }
        }
        transpose(&mut ranks, &mut pos, up, down);
        let c = crossings(&ranks, &pos, down);
        if c < best_crossings {
            best_crossings = c;
            best = ranks.clone();
        }
    }
    best
}

/// Swaps neighbours in a rank while that removes crossings (a few rounds at most).
fn transpose(
    ranks: &mut [Vec<usize>],
    pos: &mut [usize],
    up: &[Vec<(usize, f64)>],
    down: &[Vec<(usize, f64)>],
) {
    // Crossings among the links of u and v (u left of v) to one neighbouring rank: the pairs
    // (a link of u, a link of v) whose ends are in the other order, counted by merging the
    // sorted end positions (a state may have thousands of links, so not pair by pair).
    let mut ends_u: Vec<usize> = Vec::new();
    let mut ends_v: Vec<usize> = Vec::new();
    let mut pair = |pos: &[usize], lu: &[(usize, f64)], lv: &[(usize, f64)]| -> usize {
        ends_u.clear();
        ends_u.extend(lu.iter().map(|&(a, _)| pos[a]));
        ends_u.sort_unstable();
        ends_v.clear();
        ends_v.extend(lv.iter().map(|&(b, _)| pos[b]));
        ends_v.sort_unstable();
        let mut c = 0;
        let mut below = 0;
        for &a in &ends_u {
            while below < ends_v.len() && ends_v[below] < a {
                below += 1;
            }
            c += below;
        }
        c
    };
    for _round in 0..4 {
        let mut improved = false;
        for rank in ranks.iter_mut() {
            for i in 1..rank.len() {
                let (u, v) = (rank[i - 1], rank[i]);
                let now = pair(pos, &up[u], &up[v]) + pair(pos, &down[u], &down[v]);
                let swapped = pair(pos, &up[v], &up[u]) + pair(pos, &down[v], &down[u]);
                if swapped < now {
                    rank.swap(i - 1, i);
                    pos[u] = i;
                    pos[v] = i - 1;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// The number of edge crossings between all pairs of neighbouring ranks.
fn crossings(ranks: &[Vec<usize>], pos: &[usize], down: &[Vec<(usize, f64)>]) -> usize {
    let mut total = 0;
    let mut links: Vec<(usize, usize)> = Vec::new();
    for r in 0..ranks.len().saturating_sub(1) {
        links.clear();
        for &v in &ranks[r] {
            for &(w, _) in &down[v] {
                links.push((pos[v], pos[w]));
            }
        }
        links.sort_unstable();
        // Fenwick tree over the lower rank's positions: count earlier links that end
        // further right.
        let size = ranks[r + 1].len();
        let mut tree = vec![0usize; size + 1];
        for (inserted, &(_, b)) in links.iter().enumerate() {
            let mut at_most = 0;
            let mut i = b + 1;
            while i > 0 {
                at_most += tree[i];
                i -= i & i.wrapping_neg();
            }
            total += inserted - at_most;
            let mut i = b + 1;
            while i <= size {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

/// Step 5: the x of every vertex's anchor.
fn coordinates(
    ranks: &[Vec<usize>],
    vertices: &[Vertex],
    up: &[Vec<(usize, f64)>],
    down: &[Vec<(usize, f64)>],
) -> Vec<f64> {
    let mut xs = vec![0.0; vertices.len()];
    let gap = |a: usize, b: usize| separation(vertices, a, b);
    // Packed from the left.
    for rank in ranks {
        let mut x = 0.0;
        for (i, &v) in rank.iter().enumerate() {
            if i > 0 {
                x += gap(rank[i - 1], v);
            }
            xs[v] = x;
        }
    }
    let mut targets: Vec<(f64, f64)> = Vec::new();
    let mut seps: Vec<f64> = Vec::new();
    for pass in 0..PASSES {
        // Down, up, down, ... and both sides for the last few passes.
        let (use_up, use_down) = match pass {
            p if p + 3 >= PASSES => (true, true),
            p if p % 2 == 0 => (true, false),
            _ => (false, true),
        };
        let rank_order: Vec<usize> = if use_up && !use_down {
            (0..ranks.len()).collect()
        } else {
            (0..ranks.len()).rev().collect()
        };
        for r in rank_order {
            let rank = &ranks[r];
            targets.clear();
            for &v in rank {
                let mut sum = 0.0;
                let mut weight = 0.0;
                let lists = [(use_up, &up[v]), (use_down, &down[v])];
                for (on, list) in lists {
                    if on {
                        for &(w, wt) in list {
                            sum += xs[w] * wt;
                            weight += wt;
                        }
                    }
                }
                if weight > 0.0 {
                    targets.push((sum / weight, weight));
                } else {
                    targets.push((xs[v], 0.01));
                }
            }
            seps.clear();
            for i in 1..rank.len() {
                seps.push(gap(rank[i - 1], rank[i]));
            }
            let placed = fit(&targets, &seps);
            for (i, &v) in rank.iter().enumerate() {
                xs[v] = placed[i];
            }
        }
    }
    xs
}

/// Separation between the anchors of neighbours `a` (left) and `b` in a rank.
fn separation(vertices: &[Vertex], a: usize, b: usize) -> f64 {
    let real = |v: usize| matches!(vertices[v].kind, Kind::Node(_));
    let gap = if real(a) && real(b) {
        NODE_GAP
    } else {
        EDGE_GAP
    };
    vertices[a].right + gap + vertices[b].left
}

/// Removes wiggles from long edges: splits each chain's inner vertices into the fewest runs
/// that can share one x without moving past their neighbours, and lines each run up.
fn straighten(ranks: &[Vec<usize>], vertices: &[Vertex], chains: &[Option<Chain>], xs: &mut [f64]) {
    let mut pos = vec![0usize; vertices.len()];
    for rank in ranks {
        for (i, &v) in rank.iter().enumerate() {
            pos[v] = i;
        }
    }
    let bounds = |xs: &[f64], v: usize| -> (f64, f64) {
        let rank = &ranks[vertices[v].rank];
        let i = pos[v];
        let lo = match i.checked_sub(1) {
            Some(l) => xs[rank[l]] + separation(vertices, rank[l], v),
            None => f64::MIN,
        };
        let hi = match rank.get(i + 1) {
            Some(&r) => xs[r] - separation(vertices, v, r),
            None => f64::MAX,
        };
        (min(lo, xs[v]), max(hi, xs[v]))
    };
    for chain in chains.iter().flatten() {
        let inner = &chain.vertices[1..chain.vertices.len() - 1];
        let mut start = 0;
        while start < inner.len() {
            let (mut lo, mut hi) = bounds(xs, inner[start]);
            let mut sum = xs[inner[start]];
            let mut end = start + 1;
            while end < inner.len() {
                let (l, h) = bounds(xs, inner[end]);
                let (nlo, nhi) = (max(lo, l), min(hi, h));
                if nlo > nhi {
                    break;
                }
                lo = nlo;
                hi = nhi;
                sum += xs[inner[end]];
                end += 1;
            }
            let x = clamp(sum / (end - start) as f64, lo, hi);
            for &v in &inner[start..end] {
                xs[v] = x;
            }
            start = end;
        }
    }
}

/// Minimises `sum w_i (x_i - t_i)^2` subject to `x_{i+1} - x_i >= sep_i`: isotonic regression
/// of the targets shifted by the cumulative separations, by pool-adjacent-violators.
fn fit(targets: &[(f64, f64)], seps: &[f64]) -> Vec<f64> {
    let mut offset = Vec::with_capacity(targets.len());
    let mut acc = 0.0;
    for i in 0..targets.len() {
        if i > 0 {
            acc += seps[i - 1];
        }
        offset.push(acc);
    }
    // Blocks: (weighted sum, weight, length).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for (i, &(t, w)) in targets.iter().enumerate() {
        blocks.push((w * (t - offset[i]), w, 1));
        while blocks.len() > 1 {
            let (s2, w2, l2) = blocks[blocks.len() - 1];
            let (s1, w1, l1) = blocks[blocks.len() - 2];
            if s1 / w1 > s2 / w2 {
                blocks.pop();
                let last = blocks.len() - 1;
                blocks[last] = (s1 + s2, w1 + w2, l1 + l2);
            } else {
                break;
            }
        }
    }
    let mut out = Vec::with_capacity(targets.len());
    for (s, w, l) in blocks {
        let mean = s / w;
        for _ in 0..l {
            let i = out.len();
            out.push(mean + offset[i]);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use alloc::vec::Vec;

    use super::*;

    fn graph(sizes: &[f64], edges: &[(usize, usize)], initial: usize) -> Graph {
        Graph::new(
            sizes.iter().map(|&w| Size { w, h: 30.0 }).collect(),
            edges
                .iter()
                .enumerate()
                .map(|(i, &(from, to))| {
                    let label = Size {
                        w: 30.0 + (i % 4) as f64 * 12.0,
                        h: 14.0,
                    };
                    Edge::new(from, to, label)
                })
                .collect(),
            initial,
        )
    }

    /// The TCP machine of RFC 793, by state index.
    fn tcp() -> Graph {
        let edges = [
            (0, 1),
            (0, 2),
            (1, 2),
            (1, 3),
            (1, 0),
            (2, 3),
            (2, 4),
            (2, 0),
            (3, 4),
            (3, 5),
            (3, 1),
            (4, 5),
            (4, 9),
            (5, 6),
            (5, 7),
            (6, 8),
            (7, 8),
            (8, 0),
            (9, 10),
            (10, 0),
        ];
        graph(
            &[
                60.0, 60.0, 70.0, 100.0, 100.0, 80.0, 80.0, 70.0, 80.0, 90.0, 70.0,
            ],
            &edges,
            0,
        )
    }

    fn big(n: usize) -> Graph {
        let mut edges = Vec::new();
        for i in 0..n {
            edges.push((i, (i + 1) % n));
            edges.push((i, (i * 7 + 3) % n));
            if i % 5 == 0 {
                edges.push((i, i / 2));
            }
            if i % 11 == 0 {
                edges.push((i, i));
            }
        }
        let sizes: Vec<f64> = (0..n).map(|i| 40.0 + (i % 3) as f64 * 20.0).collect();
        graph(&sizes, &edges, 0)
    }

    /// Parallel edges both ways, self-loops, and an unreachable part.
    fn awkward() -> Graph {
        let mut edges = Vec::new();
        for _ in 0..4 {
            edges.extend([(0, 1), (1, 0), (0, 0), (1, 2)]);
        }
        // 3 and 4 are unreachable from 0; 3 leads into the reachable part.
        edges.extend([(3, 4), (4, 3), (3, 1), (4, 4)]);
        graph(&[50.0, 50.0, 50.0, 50.0, 50.0], &edges, 0)
    }

    fn point(p0: Point, c1: Point, c2: Point, p3: Point, t: f64) -> Point {
        let u = 1.0 - t;
        let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
        Point {
            x: a * p0.x + b * c1.x + c * c2.x + d * p3.x,
            y: a * p0.y + b * c1.y + c * c2.y + d * p3.y,
        }
    }

    /// Points along a path, 20 per segment (the nested layout's tests sample arrows too).
    pub(crate) fn samples(path: &Path) -> Vec<Point> {
        let mut out = Vec::from([path.start]);
        let mut from = path.start;
        for segment in &path.segments {
            let (c1, c2, to) = match *segment {
                Segment::Line(to) => (from, to, to),
                Segment::Cubic(a, b, to) => (a, b, to),
            };
            for i in 1..=20 {
                out.push(point(from, c1, c2, to, i as f64 / 20.0));
            }
            from = to;
        }
        out
    }

    fn inside(r: &Rect, p: Point) -> bool {
        p.x > r.x + 1.0 && p.x < r.x + r.w - 1.0 && p.y > r.y + 1.0 && p.y < r.y + r.h - 1.0
    }

    /// Boxes and labels do not overlap; edges pass through no box but their own ends'; all of
    /// it lies within the image.
    fn check(graph: &Graph) -> Layout {
        let lay = layout(graph).expect("the graph fits");
        assert_eq!(lay.nodes.len(), graph.nodes.len());
        assert_eq!(lay.edges.len(), graph.edges.len());
        let mut boxes: Vec<Rect> = lay.nodes.clone();
        boxes.extend(lay.edges.iter().map(|e| e.label));
        for (i, a) in boxes.iter().enumerate() {
            assert!(a.x >= 0.0 && a.y >= 0.0, "{a:?}");
            assert!(a.x + a.w <= lay.width && a.y + a.h <= lay.height, "{a:?}");
            for (j, b) in boxes.iter().enumerate().skip(i + 1) {
                assert!(!a.overlaps(b), "{i} {a:?} overlaps {j} {b:?}");
            }
        }
        for (i, node) in lay.nodes.iter().enumerate() {
            assert!(node.w >= graph.nodes[i].w && node.h == graph.nodes[i].h);
        }
        // Boxes by horizontal strips of 32 units, to keep the check quick on large graphs.
        let strips = (lay.height / 32.0) as usize + 1;
        let mut by_strip: Vec<Vec<usize>> = Vec::from_iter((0..strips).map(|_| Vec::new()));
        for (i, b) in boxes.iter().enumerate() {
            for strip in (b.y / 32.0) as usize..=((b.y + b.h) / 32.0) as usize {
                by_strip[strip.min(strips - 1)].push(i);
            }
        }
        let n = lay.nodes.len();
        for (e, route) in lay.edges.iter().enumerate() {
            let edge = graph.edges[e];
            for p in samples(&route.path) {
                assert!(p.x >= 0.0 && p.x <= lay.width && p.y >= 0.0 && p.y <= lay.height);
                for &i in &by_strip[((p.y / 32.0) as usize).min(strips - 1)] {
                    if i < n {
                        let own = i == edge.from || i == edge.to;
                        assert!(
                            own || !inside(&boxes[i], p),
                            "edge {e} passes through node {i}"
                        );
                    } else {
                        let own = i - n == e;
                        assert!(
                            own || !inside(&boxes[i], p),
                            "edge {e} crosses label {}",
                            i - n
                        );
                    }
                }
            }
        }
        lay
    }

    #[test]
    fn tcp_layout_is_clean() {
        let lay = check(&tcp());
        // The initial state is alone at the top, with the start arrow above it.
        let top = lay.nodes[0].y;
        assert!(lay.nodes[1..].iter().all(|r| r.y > top));
        let (from, to) = lay.start.unwrap();
        assert!(from.y < to.y && to.y == top);
    }

    #[test]
    fn edges_end_on_their_boxes() {
        let g = tcp();
        let lay = layout(&g).expect("the graph fits");
        for (e, route) in lay.edges.iter().enumerate() {
            let (from, to) = (lay.nodes[g.edges[e].from], lay.nodes[g.edges[e].to]);
            let start = route.path.start;
            let end = route.path.end();
            let on = |r: Rect, p: Point| {
                p.x >= r.x && p.x <= r.x + r.w && (p.y == r.y || p.y == r.y + r.h)
            };
            assert!(on(from, start), "edge {e} starts off its box");
            assert!(on(to, end), "edge {e} ends off its box");
        }
    }

    #[test]
    fn awkward_layout_is_clean() {
        let g = awkward();
        let lay = check(&g);
        // Unreachable states go below the reachable ones.
        let lowest_reachable = lay.nodes[..3].iter().map(|r| r.y).fold(0.0, max);
        assert!(lay.nodes[3].y > lowest_reachable && lay.nodes[4].y > lowest_reachable);
        // Parallel edges have distinct paths and labels.
        for i in 0..g.edges.len() {
            for j in i + 1..g.edges.len() {
                assert_ne!(lay.edges[i].path, lay.edges[j].path);
                assert!(!lay.edges[i].label.overlaps(&lay.edges[j].label));
            }
        }
    }

    #[test]
    fn large_layout_is_clean() {
        check(&big(210));
    }

    /// The payment machine: 0 Pending, 1 Paid, 2 Declined, 3 Refunded, 4 Cancelled, and the
    /// choice of `pay` as node 5, whose branches are unlabelled.
    fn payment() -> Graph {
        let mut g = graph(
            &[60.0, 60.0, 70.0, 80.0, 80.0, 18.0],
            &[(0, 5), (5, 1), (5, 2), (0, 4), (1, 3), (2, 0), (2, 4)],
            0,
        );
        g.nodes[5].h = 18.0;
        g.pointed = Vec::from([5]);
        for e in [1, 2] {
            g.edges[e].label = Size { w: 0.0, h: 0.0 };
        }
        g
    }

    /// A ring of `n` nodes where every third node leaves through a choice node to two others.
    fn big_with_choices(n: usize) -> Graph {
        let mut edges = Vec::new();
        let mut pointed = Vec::new();
        for i in 0..n {
            edges.push((i, (i + 1) % n));
            if i % 3 == 0 {
                let choice = n + pointed.len();
                pointed.push(choice);
                edges.extend([(i, choice), (choice, (i * 7 + 3) % n), (choice, i / 2)]);
            }
        }
        let mut sizes: Vec<f64> = (0..n).map(|i| 40.0 + (i % 3) as f64 * 20.0).collect();
        sizes.extend(pointed.iter().map(|_| 18.0));
        let mut g = graph(&sizes, &edges, 0);
        g.pointed = pointed;
        g
    }

    /// Every edge of a pointed node starts or ends at one of its tips, and the node keeps its
    /// size however many edges it has.
    fn check_pointed(g: &Graph, lay: &Layout) {
        for &p in &g.pointed {
            let d = lay.nodes[p];
            assert_eq!((d.w, d.h), (g.nodes[p].w, g.nodes[p].h));
            let cx = d.x + d.w / 2.0;
            let tip = |pt: Point| pt.x == cx && (pt.y == d.y || pt.y == d.y + d.h);
            for (e, route) in lay.edges.iter().enumerate() {
                if g.edges[e].from == p {
                    assert!(tip(route.path.start), "edge {e} leaves {p} off its tips");
                }
                if g.edges[e].to == p {
                    assert!(tip(route.path.end()), "edge {e} enters {p} off its tips");
                }
            }
        }
    }

    #[test]
    fn choice_nodes_meet_their_edges_at_the_tips() {
        let g = payment();
        let lay = check(&g);
        check_pointed(&g, &lay);
        // The choice sits between Pending and its targets.
        let (pending, choice) = (lay.nodes[0], lay.nodes[5]);
        assert!(choice.y > pending.y + pending.h);
        assert!(lay.nodes[1].y > choice.y + choice.h && lay.nodes[2].y > choice.y + choice.h);
        // Both branches leave from the bottom tip.
        let bottom = choice.y + choice.h;
        assert_eq!(lay.edges[1].path.start, lay.edges[2].path.start);
        assert_eq!(lay.edges[1].path.start.y, bottom);
        assert_eq!(layout(&g).expect("the graph fits"), lay);

        let g = big_with_choices(90);
        let lay = check(&g);
        check_pointed(&g, &lay);
    }

    #[test]
    fn small_graphs() {
        let lay = check(&graph(&[40.0], &[], 0));
        assert!(lay.width >= 40.0 + 2.0 * MARGIN);
        check(&graph(&[40.0], &[(0, 0)], 0));
        check(&graph(&[40.0, 40.0], &[], 1));
        // No nodes or out-of-range indices never come from a chart, but do not panic either.
        let lay = layout(&graph(&[], &[], 0)).expect("the graph fits");
        assert!(lay.nodes.is_empty() && lay.start.is_none());
        let lay = layout(&graph(&[40.0, 40.0], &[(0, 5), (7, 1)], 9)).expect("the graph fits");
        assert_eq!(lay.edges.len(), 2);
        assert!(lay.start.is_none());
    }

    /// A composite's inside: sources (ports on its top border) go in the first layer, sinks
    /// (ports on its bottom border) in a layer of their own below every other, and edges meet
    /// a node where the caller pinned them.
    #[test]
    fn sources_sinks_and_pinned_ports() {
        // 0 -> 1 -> 2 -> 0, a source 3 into 2, a sink 4 from 0, and 1 -> 2 pinned at 5 and 40.
        let mut g = graph(
            &[60.0, 60.0, 60.0, 0.0, 0.0],
            &[(0, 1), (1, 2), (2, 0), (3, 2), (0, 4)],
            0,
        );
        g.nodes[3].h = 0.0;
        g.nodes[4].h = 0.0;
        g.pointed = Vec::from([3, 4]);
        g.sources = Vec::from([3]);
        g.sinks = Vec::from([4]);
        g.edges[1].from_port = Some(5.0);
        g.edges[1].to_port = Some(40.0);
        let (reversed, reachable) = orient(&g);
        assert_eq!(reversed, [false, false, true, false, false]);
        assert!(reachable.iter().all(|&r| r));
        let (reversed, reachable) = orient(&g);
        let layers = assign_layers(&g, &reversed, &reachable);
        assert_eq!(layers[3], 0);
        assert!(layers[4] > layers[0] && layers[4] > layers[1] && layers[4] > layers[2]);
        let lay = check(&g);
        let (from, to) = (lay.nodes[1], lay.nodes[2]);
        assert_eq!(lay.edges[1].path.start.x, from.x + 5.0);
        assert_eq!(lay.edges[1].path.end().x, to.x + 40.0);
        assert!(lay.nodes[4].y > lay.nodes[2].y + lay.nodes[2].h);
    }

    #[test]
    fn layout_is_deterministic() {
        assert_eq!(layout(&tcp()).expect("fits"), layout(&tcp()).expect("fits"));
        assert_eq!(
            layout(&big(80)).expect("fits"),
            layout(&big(80)).expect("fits")
        );
    }

    #[test]
    fn orientation_breaks_cycles_from_the_initial_state() {
        let g = graph(&[40.0; 3], &[(0, 1), (1, 2), (2, 0), (2, 1)], 0);
        let (reversed, reachable) = orient(&g);
        assert_eq!(reversed, [false, false, true, true]);
        assert_eq!(reachable, [true, true, true]);
        assert_eq!(assign_layers(&g, &reversed, &reachable), [0, 1, 2]);
    }

    #[test]
    fn crossings_are_counted_and_removed() {
        // 0 and 1 on top, 2 and 3 below, linked crosswise.
        let down = Vec::from([
            Vec::from([(3, 1.0)]),
            Vec::from([(2, 1.0)]),
            Vec::new(),
            Vec::new(),
        ]);
        let up = Vec::from([
            Vec::new(),
            Vec::new(),
            Vec::from([(1, 1.0)]),
            Vec::from([(0, 1.0)]),
        ]);
        let ranks = Vec::from([Vec::from([0, 1]), Vec::from([2, 3])]);
        assert_eq!(crossings(&ranks, &[0, 1, 0, 1], &down), 1);
        let best = order(ranks, &up, &down, 4);
        let mut pos = [0; 4];
        for rank in &best {
            for (i, &v) in rank.iter().enumerate() {
                pos[v] = i;
            }
        }
        assert_eq!(crossings(&best, &pos, &down), 0);
    }

    #[test]
    fn fit_keeps_order_and_separation() {
        let placed = fit(&[(10.0, 1.0), (0.0, 1.0), (50.0, 1.0)], &[20.0, 20.0]);
        assert_eq!(placed, [-5.0, 15.0, 50.0]);
        let placed = fit(&[(0.0, 1.0), (0.0, 3.0)], &[10.0]);
        assert_eq!(placed, [-7.5, 2.5]);
    }

    #[test]
    fn reversed_paths_run_backwards() {
        let mut path = Path::new(Point { x: 0.0, y: 0.0 });
        path.line_to(Point { x: 0.0, y: 10.0 });
        path.curve_to(Point { x: 20.0, y: 30.0 });
        let back = path.reversed();
        assert_eq!(back.start, Point { x: 20.0, y: 30.0 });
        assert_eq!(back.end(), Point { x: 0.0, y: 0.0 });
        assert_eq!(back.reversed(), path);
    }
}
