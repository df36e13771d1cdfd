// Mapper (Singh, Mémoli & Carlsson 2007): cover the range of a lens with
// overlapping hypercubes, cluster the points of each cube's preimage, and join
// clusters that share points (the nerve).
//
// Cover. Lens coordinate c has k_c closed intervals of equal length L whose
// neighbours share overlap·L, so the step is s = L(1 - overlap) and
// L + (k_c - 1)s spans [min, max] exactly. "Balanced" covers do the same in
// rank space (ranks 0..n-1 of the sorted values) and map the ends back to lens
// values, so each interval holds about the same number of points. A point on a
// boundary belongs to every interval containing it; the first and last
// intervals reach to -inf/+inf and a point is always put in the last interval
// starting at or below it, so rounding can never leave a point uncovered. A
// constant coordinate gets one interval. Cubes are products of intervals,
// numbered row-major (coordinate 0 most significant).
//
// Clustering runs per preimage, one preimage per task on the thread team, each
// single-threaded and independent of the others, so the graph does not depend
// on the thread count. Nodes are ordered by cube, then by smallest member.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "parallel.hpp"
#include "points.hpp"

// Kept out of line: inlined into the dispatch lambdas, GCC stops vectorising
// Prim's inner loop (measured: 2 ns against 3 ns per pair).
#if defined(__GNUC__) || defined(__clang__)
#define FASTTDA_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define FASTTDA_NOINLINE __declspec(noinline)
#else
#define FASTTDA_NOINLINE
#endif

namespace fasttda {

enum class clusterer_kind { single_linkage, dbscan };

struct mapper_params {
    std::vector<std::size_t> n_intervals;  // per lens coordinate
    std::vector<double> overlap;           // per lens coordinate, in [0, 1)
    bool balanced = false;
    clusterer_kind clusterer = clusterer_kind::single_linkage;
    double height = std::numeric_limits<double>::quiet_NaN();  // single linkage: NaN → histogram gap
    std::size_t bins = 10;                 // histogram bins of the gap heuristic
    double eps = 0;                        // dbscan radius (closed ball)
    std::size_t min_samples = 5;           // dbscan: neighbours within eps, the point itself included
    std::size_t min_points = 1;            // clusters smaller than this are dropped
    bool triangles = false;
    std::size_t prim_max = 4096;           // exact MST by Prim up to this size, Borůvka above (see default_prim_max)
};

// Prim is O(m²) but streams through packed arrays; Borůvka's kd-tree queries
// win early in a few dimensions and late in many (measured on Gaussian clouds
// and on filter-like points on S⁷, where a fifth of uniform noise blunts the tree).
inline std::size_t default_prim_max(std::size_t d) { return d <= 5 ? 2048 : 16384; }

struct mapper_result {
    std::vector<std::vector<double>> lower, upper;  // per coordinate: nominal interval ends
    std::vector<index_t> node_cube;                 // flat cube index per node
    std::vector<index_t> node_intervals;            // n_nodes × lens dims
    std::vector<index_t> node_offset{0};            // members of node v: [offset[v], offset[v+1])
    std::vector<index_t> members;
    std::vector<index_t> edges;                     // 2 per edge, a < b, sorted
    std::vector<index_t> edge_weight;               // shared points
    std::vector<index_t> triangles;                 // 3 per triangle, sorted
};

namespace mapper_detail {

// Long per-preimage loops poll the team's cancel flag, so Ctrl-C (or another
// worker's error) stops even one huge preimage; every so often, not per point.
using cancel_flag = const std::atomic<bool>*;
inline void poll(cancel_flag cancel, std::size_t i, std::size_t every = 1024) {
    if (cancel && i % every == 0 && cancel->load(std::memory_order_relaxed)) throw interrupted();
}

struct union_find {
    std::vector<std::int32_t> parent;
    explicit union_find(std::size_t m) : parent(m) { std::iota(parent.begin(), parent.end(), 0); }
    std::int32_t find(std::int32_t x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    }
    bool unite(std::int32_t a, std::int32_t b) {
        a = find(a), b = find(b);
        if (a == b) return false;
        if (a > b) std::swap(a, b);
        parent[b] = a;  // the root stays the smallest index
        return true;
    }
};

// An MST edge between local indices; ordered by (length, a, b) so that ties
// are broken the same way whatever the order edges are found in.
template <class T>
struct edge {
    T d2;
    std::int32_t a, b;
    bool operator<(const edge& o) const {
        return d2 < o.d2 || (d2 == o.d2 && (a < o.a || (a == o.a && b < o.b)));
    }
};

template <class T>
edge<T> make_edge(T d2, std::int32_t i, std::int32_t j) {
    return i < j ? edge<T>{d2, i, j} : edge<T>{d2, j, i};
}

// Prim's algorithm with an O(m) key array: exact, O(m²) time, no m×m matrix.
// The points not yet in the tree stay packed at the front of a copy stored
// coordinate by coordinate, so each step streams through contiguous arrays;
// the point that joins swaps with the last. Prim meets every pair once, so
// it reports the squared diameter too.
template <int D, class T>
FASTTDA_NOINLINE std::vector<edge<T>> prim_mst(const points_view<T>& P, T* diam2 = nullptr,
                                               cancel_flag cancel = nullptr) {
    const std::size_t m = P.n, d = D > 0 ? static_cast<std::size_t>(D) : P.d;
    std::vector<edge<T>> out;
    if (m < 2) return out;
    out.reserve(m - 1);
    std::vector<T> coord(m * d), joined(d);  // coord[j * m + u]: coordinate j of slot u
    for (std::size_t u = 0; u < m; ++u)
        for (std::size_t j = 0; j < d; ++j) coord[j * m + u] = P.row(u)[j];
    std::vector<T> key(m, std::numeric_limits<T>::infinity());
    std::vector<std::int32_t> id(m), slot(m), from(m, 0);  // slot: where each index now sits
    std::iota(id.begin(), id.end(), 0);
    std::iota(slot.begin(), slot.end(), 0);
    std::size_t live = m;
    std::int32_t newest = 0;
    auto join = [&](std::size_t at) {
        newest = id[at];
        --live;
        for (std::size_t j = 0; j < d; ++j) joined[j] = coord[j * m + at], coord[j * m + at] = coord[j * m + live];
        id[at] = id[live], key[at] = key[live], from[at] = from[live];
        slot[id[at]] = static_cast<std::int32_t>(at);
    };
    join(0);
    T far = 0;
    // One fused pass per step: distance to the newest tree point, key update,
    // and the running max (diameter) and min (next point). The reductions run
    // in W independent lanes: without -ffast-math the compiler will not
    // reorder a float min/max, but it vectorises the lanes; updates are
    // branch-free for the same reason.
    constexpr std::size_t W = 8;
    for (std::size_t step = 1; live > 0; ++step) {
        poll(cancel, step, 64);
        T hi[W], lo[W];
        std::fill(hi, hi + W, T(0));
        std::fill(lo, lo + W, std::numeric_limits<T>::infinity());
        T* K = key.data();
        std::int32_t* F = from.data();
        const T* C = coord.data();
        auto visit = [&](std::size_t u, std::size_t l) {
            T s = 0;
            for (std::size_t j = 0; j < d; ++j) {
                const T t = C[j * m + u] - joined[j];
                s += t * t;
            }
            const T old = K[u];
            const std::int32_t closer = -static_cast<std::int32_t>(s < old);
            F[u] ^= (F[u] ^ newest) & closer;
            const T k = s < old ? s : old;
            K[u] = k;
            hi[l] = s > hi[l] ? s : hi[l];
            lo[l] = k < lo[l] ? k : lo[l];
        };
        std::size_t u = 0;
        for (; u + W <= live; u += W)
            for (std::size_t l = 0; l < W; ++l) visit(u + l, l);
        for (; u < live; ++u) visit(u, 0);
        const T least = *std::min_element(lo, lo + W);
        far = std::max(far, *std::max_element(hi, hi + W));
        std::int32_t first = std::numeric_limits<std::int32_t>::max();  // ties: the smallest index
        for (std::size_t v = 0; v < live; ++v) {
            const std::int32_t eq = -static_cast<std::int32_t>(key[v] == least);
            first = std::min(first, (id[v] & eq) | (std::numeric_limits<std::int32_t>::max() & ~eq));
        }
        const std::size_t next = static_cast<std::size_t>(slot[first]);
        out.push_back(make_edge(key[next], from[next], id[next]));
        join(next);
    }
    if (diam2) *diam2 = far;
    return out;
}

// A kd-tree with bounding boxes over one preimage, built by the worker that
// clusters it. Unlike the shared kdtree it keeps a component label per node,
// which Borůvka needs to skip whole subtrees of the querying component.
template <int D, class T>
class box_tree {
public:
    struct node {
        std::int32_t begin, end, left, right;
    };

    explicit box_tree(const points_view<T>& P, std::size_t leaf = 16) : d_(P.d), leaf_(leaf) {
        idx_.resize(P.n);
        std::iota(idx_.begin(), idx_.end(), 0);
        build(P, 0, static_cast<std::int32_t>(P.n));
        pts_.resize(P.n * d_);
        for (std::size_t p = 0; p < P.n; ++p) std::copy(P.row(idx_[p]), P.row(idx_[p]) + d_, pts_.data() + p * d_);
    }

    std::size_t size() const { return idx_.size(); }
    std::int32_t local(std::size_t pos) const { return idx_[pos]; }
    const T* point(std::size_t pos) const { return pts_.data() + pos * d_; }

    // Squared distance from q to node's box.
    T box_dist2(const T* q, std::int32_t id) const {
        const T* lo = box_.data() + static_cast<std::size_t>(id) * 2 * d_;
        const T* hi = lo + d_;
        T s = 0;
        const std::size_t d = D > 0 ? static_cast<std::size_t>(D) : d_;
        for (std::size_t j = 0; j < d; ++j) {
            const T t = q[j] < lo[j] ? lo[j] - q[j] : (q[j] > hi[j] ? q[j] - hi[j] : T(0));
            s += t * t;
        }
        return s;
    }

    // Raises far2 to the largest squared distance from q to a point; subtrees
    // whose box lies wholly within sqrt(far2) of q are skipped.
    void farthest(const T* q, T& far2, std::int32_t id = 0) const {
        const T* lo = box_.data() + static_cast<std::size_t>(id) * 2 * d_;
        const T* hi = lo + d_;
        T reach = 0;
        for (std::size_t j = 0; j < d_; ++j) {
            const T t = std::max(q[j] - lo[j], hi[j] - q[j]);
            reach += t * t;
        }
        if (reach <= far2) return;
        const node& nd = nodes_[id];
        if (nd.left < 0) {
            for (std::int32_t p = nd.begin; p < nd.end; ++p) far2 = std::max(far2, dist2<D>(q, point(p), d_));
            return;
        }
        farthest(q, far2, nd.left);
        farthest(q, far2, nd.right);
    }

    // Every position within squared distance r2 of q (closed ball).
    template <class F>
    void within(const T* q, T r2, F&& f, std::int32_t id = 0) const {
        if (box_dist2(q, id) > r2) return;
        const node& nd = nodes_[id];
        if (nd.left < 0) {
            for (std::int32_t p = nd.begin; p < nd.end; ++p) {
                const T d2 = dist2<D>(q, point(p), d_);
                if (d2 <= r2) f(p, d2);
            }
            return;
        }
        within(q, r2, f, nd.left);
        within(q, r2, f, nd.right);
    }

    // label[node] = the component of all its points, or -1 when they differ.
    void label_nodes(const std::vector<std::int32_t>& comp_at_pos, std::vector<std::int32_t>& label) const {
        label.resize(nodes_.size());
        for (std::size_t i = nodes_.size(); i-- > 0;) {  // children come after their parent
            const node& nd = nodes_[i];
            if (nd.left >= 0) {
                label[i] = label[nd.left] == label[nd.right] ? label[nd.left] : -1;
                continue;
            }
            std::int32_t c = comp_at_pos[nd.begin];
            for (std::int32_t p = nd.begin + 1; p < nd.end && c >= 0; ++p)
                if (comp_at_pos[p] != c) c = -1;
            label[i] = c;
        }
    }

    // Improves best with the shortest edge from position pos to a point of
    // another component; subtrees entirely in pos's component are skipped.
    void nearest_other(std::size_t pos, const std::vector<std::int32_t>& comp_at_pos,
                       const std::vector<std::int32_t>& label, edge<T>& best, std::int32_t id = 0) const {
        const std::int32_t c = comp_at_pos[pos];
        if (label[id] == c) return;
        const node& nd = nodes_[id];
        const T* q = point(pos);
        if (nd.left < 0) {
            for (std::int32_t p = nd.begin; p < nd.end; ++p) {
                if (comp_at_pos[p] == c) continue;
                const auto e = make_edge(dist2<D>(q, point(p), d_), idx_[pos], idx_[p]);
                if (e < best) best = e;
            }
            return;
        }
        const T dl = box_dist2(q, nd.left), dr = box_dist2(q, nd.right);
        const bool left_first = dl <= dr;
        const std::int32_t first = left_first ? nd.left : nd.right, second = left_first ? nd.right : nd.left;
        if ((left_first ? dl : dr) <= best.d2) nearest_other(pos, comp_at_pos, label, best, first);
        if ((left_first ? dr : dl) <= best.d2) nearest_other(pos, comp_at_pos, label, best, second);
    }

private:
    std::int32_t build(const points_view<T>& P, std::int32_t b, std::int32_t e) {
        const auto id = static_cast<std::int32_t>(nodes_.size());
        nodes_.push_back({b, e, -1, -1});
        box_.resize(box_.size() + 2 * d_);
        T* lo = box_.data() + static_cast<std::size_t>(id) * 2 * d_;
        T* hi = lo + d_;
        std::copy(P.row(idx_[b]), P.row(idx_[b]) + d_, lo);
        std::copy(lo, lo + d_, hi);
        for (std::int32_t p = b + 1; p < e; ++p)
            for (std::size_t j = 0; j < d_; ++j)
                lo[j] = std::min(lo[j], P.row(idx_[p])[j]), hi[j] = std::max(hi[j], P.row(idx_[p])[j]);
        std::size_t dim = 0;
        for (std::size_t j = 1; j < d_; ++j)
            if (hi[j] - lo[j] > hi[dim] - lo[dim]) dim = j;
        if (static_cast<std::size_t>(e - b) <= leaf_ || !(hi[dim] > lo[dim])) return id;
        const std::int32_t mid = b + (e - b) / 2;
        std::nth_element(idx_.begin() + b, idx_.begin() + mid, idx_.begin() + e,
                         [&](std::int32_t x, std::int32_t y) { return P.row(x)[dim] < P.row(y)[dim]; });
        const std::int32_t left = build(P, b, mid);
        const std::int32_t right = build(P, mid, e);
        nodes_[id].left = left, nodes_[id].right = right;
        return id;
    }

    std::size_t d_, leaf_;
    std::vector<std::int32_t> idx_;  // tree position → local index
    std::vector<T> pts_;             // points in tree order
    std::vector<node> nodes_;
    std::vector<T> box_;             // per node: lo[d], hi[d]
};

// Borůvka: each round every component takes its shortest outgoing edge, found
// by a nearest-other-component query per point in the box tree. Exact; about
// log2(m) rounds. With max_d2 it only looks for edges up to that length and
// returns the minimum spanning forest of the graph of shorter edges: all a
// cut at a fixed height needs, and much cheaper since every query is bounded.
template <int D, class T>
std::vector<edge<T>> boruvka_mst(const points_view<T>& P, T* diam2 = nullptr, cancel_flag cancel = nullptr,
                                 T max_d2 = std::numeric_limits<T>::infinity()) {
    const std::size_t m = P.n;
    std::vector<edge<T>> out;
    if (m < 2) return out;
    out.reserve(m - 1);
    const box_tree<D, T> tree(P);
    if (diam2) {  // exact, by farthest-point queries that skip boxes already within reach
        *diam2 = 0;
        for (std::size_t p = 0; p < m; ++p) poll(cancel, p), tree.farthest(tree.point(p), *diam2);
    }
    union_find uf(m);
    std::vector<std::int32_t> comp(m), label;
    const edge<T> none{std::nextafter(max_d2, std::numeric_limits<T>::infinity()), -1, -1};  // accepts max_d2 itself
    std::vector<edge<T>> best(m, none);
    // floor[p]: a lower bound on p's distance² to another component. Components
    // only grow, so a bound from an earlier round stays valid, and a point whose
    // bound already exceeds its component's best edge need not be queried.
    std::vector<T> floor(m, T(0));
    for (bool merged = true; merged && out.size() + 1 < m;) {
        merged = false;
        for (std::size_t p = 0; p < m; ++p) comp[p] = uf.find(tree.local(p));
        tree.label_nodes(comp, label);
        for (std::size_t p = 0; p < m; ++p) {
            poll(cancel, p);
            edge<T>& b = best[comp[p]];
            if (floor[p] > b.d2) continue;
            tree.nearest_other(p, comp, label, b);
            // p found b, or p has nothing shorter than b; or nothing in reach, ever
            floor[p] = b.a >= 0 ? b.d2 : std::numeric_limits<T>::infinity();
        }
        for (std::size_t c = 0; c < m; ++c) {
            if (best[c].a < 0) continue;
            if (uf.unite(best[c].a, best[c].b)) out.push_back(best[c]), merged = true;
            best[c] = none;
        }
    }
    return out;
}

template <int D, class T>
std::vector<edge<T>> euclidean_mst(const points_view<T>& P, std::size_t prim_max, T* diam2 = nullptr,
                                   cancel_flag cancel = nullptr) {
    if (diam2) *diam2 = 0;
    return P.n <= prim_max ? prim_mst<D>(P, diam2, cancel) : boruvka_mst<D>(P, diam2, cancel);
}

// Single linkage at a fixed height (merge edges of length <= h), or at the
// first gap of the merge heights (Singh, Mémoli & Carlsson 2007): B equal bins
// over [shortest MST edge, diameter of the preimage], and edges in the bins
// below the first empty one are merged (no empty bin: one cluster). Reaching
// to the diameter makes the cut scale-aware: a long edge splits a preimage
// only when it is long compared with the preimage itself.
template <class T>
void single_linkage_cut(const std::vector<edge<T>>& mst, T diam2, const mapper_params& prm, union_find& uf) {
    if (mst.empty()) return;
    std::vector<double> w(mst.size());
    for (std::size_t i = 0; i < mst.size(); ++i) w[i] = std::sqrt(static_cast<double>(mst[i].d2));
    if (!std::isnan(prm.height)) {
        for (std::size_t i = 0; i < mst.size(); ++i)
            if (w[i] <= prm.height) uf.unite(mst[i].a, mst[i].b);
        return;
    }
    const double lo = *std::min_element(w.begin(), w.end());
    const double hi = std::max(*std::max_element(w.begin(), w.end()), std::sqrt(static_cast<double>(diam2)));
    const std::size_t B = std::max<std::size_t>(1, prm.bins);
    std::vector<std::size_t> bin(w.size()), count(B, 0);
    for (std::size_t i = 0; i < w.size(); ++i) {
        bin[i] = hi > lo ? std::min(B - 1, static_cast<std::size_t>((w[i] - lo) / (hi - lo) * static_cast<double>(B))) : 0;
        ++count[bin[i]];
    }
    const std::size_t gap = static_cast<std::size_t>(std::find(count.begin(), count.end(), 0) - count.begin());
    for (std::size_t i = 0; i < mst.size(); ++i)
        if (bin[i] < gap) uf.unite(mst[i].a, mst[i].b);
}

// Density-based clusters: core points have at least min_samples points within
// eps (themselves included) and are joined when within eps of each other; a
// border point joins the cluster of its nearest core point (ties: smallest
// index); the rest is noise (label -1).
template <int D, class T>
std::vector<std::int32_t> dbscan_labels(const points_view<T>& P, const mapper_params& prm, union_find& uf,
                                        cancel_flag cancel) {
    const std::size_t m = P.n;
    const T r2 = static_cast<T>(prm.eps) * static_cast<T>(prm.eps);
    const box_tree<D, T> tree(P);
    std::vector<char> core(m, 0);
    for (std::size_t p = 0; p < m; ++p) {
        poll(cancel, p);
        std::size_t count = 0;
        tree.within(tree.point(p), r2, [&](std::int32_t, T) { ++count; });
        core[tree.local(p)] = count >= prm.min_samples;
    }
    std::vector<std::int32_t> attach(m, -1);  // border point → its nearest core point
    for (std::size_t p = 0; p < m; ++p) {
        poll(cancel, p);
        const std::int32_t i = tree.local(p);
        T best = std::numeric_limits<T>::infinity();
        tree.within(tree.point(p), r2, [&](std::int32_t q, T d2) {
            const std::int32_t j = tree.local(q);
            if (!core[j]) return;
            if (core[i]) {
                uf.unite(i, j);
            } else if (d2 < best || (d2 == best && j < attach[i])) {
                best = d2, attach[i] = j;
            }
        });
    }
    std::vector<std::int32_t> label(m, -1);
    for (std::size_t i = 0; i < m; ++i) {
        if (core[i]) label[i] = uf.find(static_cast<std::int32_t>(i));
        else if (attach[i] >= 0) label[i] = uf.find(attach[i]);
    }
    return label;
}

// Clusters of one preimage as sorted lists of original indices, ordered by
// their smallest member; clusters below min_points are dropped.
template <int D, class T>
std::vector<std::vector<index_t>> cluster_preimage(const points_view<T>& X, const index_t* members, std::size_t m,
                                                   const mapper_params& prm, cancel_flag cancel) {
    std::vector<T> buf(m * X.d);
    for (std::size_t i = 0; i < m; ++i)
        std::copy(X.row(static_cast<std::size_t>(members[i])), X.row(static_cast<std::size_t>(members[i])) + X.d,
                  buf.data() + i * X.d);
    const points_view<T> P{buf.data(), m, X.d};
    union_find uf(m);
    std::vector<std::int32_t> label;
    if (prm.clusterer == clusterer_kind::dbscan) {
        label = dbscan_labels<D>(P, prm, uf, cancel);
    } else {
        T diam2 = 0;
        std::vector<edge<T>> mst;
        if (std::isnan(prm.height) || m <= prm.prim_max) {
            mst = euclidean_mst<D>(P, prm.prim_max, &diam2, cancel);
        } else {  // the forest of edges up to the height; a little slack, the cut itself decides
            const double h2 = prm.height * prm.height * (1 + 1e-9);
            const T bound = std::isfinite(h2) ? static_cast<T>(h2) : std::numeric_limits<T>::infinity();
            mst = boruvka_mst<D>(P, static_cast<T*>(nullptr), cancel, std::nextafter(bound, std::numeric_limits<T>::infinity()));
        }
        single_linkage_cut(mst, diam2, prm, uf);
        label.resize(m);
        for (std::size_t i = 0; i < m; ++i) label[i] = uf.find(static_cast<std::int32_t>(i));
    }
    // Roots are the smallest index of their component, and local order is
    // original order, so scanning i upward meets clusters by smallest member.
    std::vector<std::int32_t> slot(m, -1);
    std::vector<std::vector<index_t>> out;
    for (std::size_t i = 0; i < m; ++i) {
        if (label[i] < 0) continue;
        if (slot[label[i]] < 0) slot[label[i]] = static_cast<std::int32_t>(out.size()), out.emplace_back();
        out[slot[label[i]]].push_back(members[i]);
    }
    out.erase(std::remove_if(out.begin(), out.end(), [&](const auto& c) { return c.size() < prm.min_points; }),
              out.end());
    return out;
}

// Nominal interval ends of one lens coordinate.
inline void cover_coordinate(const double* lens, std::size_t n, std::size_t dl, std::size_t c, std::size_t k,
                             double overlap, bool balanced, std::vector<double>& lower, std::vector<double>& upper) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = lens[i * dl + c];
    const auto [mn, mx] = std::minmax_element(v.begin(), v.end());
    if (!(*mx > *mn)) k = 1;  // a constant coordinate: one interval
    const double lo = *mn, hi = *mx;
    if (balanced) std::sort(v.begin(), v.end());
    const double span = balanced ? static_cast<double>(n - 1) : hi - lo;
    const double L = span / (1.0 + static_cast<double>(k - 1) * (1.0 - overlap));
    const double s = L * (1.0 - overlap);
    lower.assign(k, lo), upper.assign(k, hi);
    for (std::size_t j = 0; j < k; ++j) {
        const double a = static_cast<double>(j) * s, b = a + L;
        if (balanced) {
            const auto at = [&](double r) { return v[std::min(n - 1, static_cast<std::size_t>(std::max(0.0, r)))]; };
            if (j > 0) lower[j] = at(std::ceil(a - 1e-9));
            if (j + 1 < k) upper[j] = at(std::floor(b + 1e-9));
        } else {
            if (j > 0) lower[j] = lo + a;
            if (j + 1 < k) upper[j] = lo + b;
        }
    }
    for (std::size_t j = 0; j + 1 < k; ++j) upper[j] = std::max(upper[j], lower[j + 1]);  // no gaps from rounding
}

// The intervals [first, last] of one coordinate that contain x: all whose
// closed range holds x, and always the last one starting at or below x.
inline void intervals_of(double x, const std::vector<double>& lower, const std::vector<double>& upper,
                         std::size_t& first, std::size_t& last) {
    last = static_cast<std::size_t>(std::upper_bound(lower.begin() + 1, lower.end(), x) - lower.begin()) - 1;
    first = static_cast<std::size_t>(std::lower_bound(upper.begin(), upper.end() - 1, x) - upper.begin());
    first = std::min(first, last);
}

// (cube, point) memberships, sorted by cube then point.
inline std::vector<std::pair<index_t, index_t>> assign_cubes(const double* lens, std::size_t n, std::size_t dl,
                                                             const mapper_result& r,
                                                             const std::vector<index_t>& stride,
                                                             const exec_policy& policy) {
    std::vector<std::size_t> count(n + 1, 0);
    std::vector<std::size_t> first(n * dl), last(n * dl);
    parallel_for(policy, n, 4096, [&](unsigned, std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            std::size_t prod = 1;
            for (std::size_t c = 0; c < dl; ++c) {
                intervals_of(lens[i * dl + c], r.lower[c], r.upper[c], first[i * dl + c], last[i * dl + c]);
                prod *= last[i * dl + c] - first[i * dl + c] + 1;
            }
            count[i + 1] = prod;
        }
    });
    std::partial_sum(count.begin(), count.end(), count.begin());
    std::vector<std::pair<index_t, index_t>> pairs(count[n]);
    parallel_for(policy, n, 4096, [&](unsigned, std::size_t b, std::size_t e) {
        std::vector<std::size_t> j(dl);
        for (std::size_t i = b; i < e; ++i) {
            for (std::size_t c = 0; c < dl; ++c) j[c] = first[i * dl + c];
            for (std::size_t at = count[i]; at < count[i + 1]; ++at) {  // odometer over the product of ranges
                index_t cube = 0;
                for (std::size_t c = 0; c < dl; ++c) cube += static_cast<index_t>(j[c]) * stride[c];
                pairs[at] = {cube, static_cast<index_t>(i)};
                for (std::size_t c = dl; c-- > 0;) {
                    if (j[c] < last[i * dl + c]) { ++j[c]; break; }
                    j[c] = first[i * dl + c];
                }
            }
        }
    });
    std::sort(pairs.begin(), pairs.end());
    return pairs;
}

// Edges (shared point counts) and triangles from the list of nodes each point
// lies in; never compares pairs of nodes that share nothing.
inline void nerve(std::size_t n, bool want_triangles, mapper_result& r) {
    const std::size_t nodes = r.node_cube.size();
    std::vector<std::size_t> off(n + 1, 0);
    for (index_t p : r.members) ++off[static_cast<std::size_t>(p) + 1];
    std::partial_sum(off.begin(), off.end(), off.begin());
    std::vector<index_t> in(off[n]);
    std::vector<std::size_t> fill(off.begin(), off.end() - 1);
    for (std::size_t v = 0; v < nodes; ++v)  // nodes in order: each point's list comes out sorted
        for (index_t k = r.node_offset[v]; k < r.node_offset[v + 1]; ++k) in[fill[r.members[k]]++] = static_cast<index_t>(v);
    std::vector<std::uint64_t> pairs;
    std::vector<std::array<index_t, 3>> tri;
    for (std::size_t p = 0; p < n; ++p) {
        const index_t* L = in.data() + off[p];
        const std::size_t len = off[p + 1] - off[p];
        for (std::size_t a = 0; a < len; ++a)
            for (std::size_t b = a + 1; b < len; ++b) {
                pairs.push_back(static_cast<std::uint64_t>(L[a]) * nodes + static_cast<std::uint64_t>(L[b]));
                if (want_triangles)
                    for (std::size_t c = b + 1; c < len; ++c) tri.push_back({L[a], L[b], L[c]});
            }
    }
    std::sort(pairs.begin(), pairs.end());
    for (std::size_t i = 0; i < pairs.size();) {
        std::size_t j = i;
        while (j < pairs.size() && pairs[j] == pairs[i]) ++j;
        r.edges.push_back(static_cast<index_t>(pairs[i] / nodes));
        r.edges.push_back(static_cast<index_t>(pairs[i] % nodes));
        r.edge_weight.push_back(static_cast<index_t>(j - i));
        i = j;
    }
    std::sort(tri.begin(), tri.end());
    tri.erase(std::unique(tri.begin(), tri.end()), tri.end());
    for (const auto& t : tri) r.triangles.insert(r.triangles.end(), t.begin(), t.end());
}

inline void check_params(std::size_t dl, const mapper_params& prm) {
    if (dl < 1 || dl > 3) throw std::invalid_argument("the lens must have 1 to 3 coordinates, got " + std::to_string(dl));
    if (prm.n_intervals.size() != dl || prm.overlap.size() != dl)
        throw std::invalid_argument("n_intervals and overlap need one value per lens coordinate");
    double cubes = 1;
    for (std::size_t c = 0; c < dl; ++c) {
        if (prm.n_intervals[c] < 1) throw std::invalid_argument("n_intervals must be at least 1");
        cubes *= static_cast<double>(prm.n_intervals[c]);
        if (prm.n_intervals[c] > (std::size_t(1) << 24) || cubes > 9e15)  // cube numbers must fit an int64
            throw std::invalid_argument("n_intervals is too large: at most 2^24 per coordinate and 9e15 cubes");
        if (!(prm.overlap[c] >= 0 && prm.overlap[c] < 1)) throw std::invalid_argument("overlap must lie in [0, 1)");
    }
    if (prm.min_points < 1) throw std::invalid_argument("min_points must be at least 1");
    if (prm.clusterer == clusterer_kind::dbscan && !(prm.eps >= 0 && std::isfinite(prm.eps)))
        throw std::invalid_argument("eps must be a finite distance >= 0");
    if (!std::isnan(prm.height) && !(prm.height >= 0))
        throw std::invalid_argument("the single-linkage height must be >= 0");
}

}  // namespace mapper_detail

// The exact Euclidean minimum spanning tree of X: (a, b, length²) per edge,
// sorted by (length, a, b). Prim up to prim_max points, Borůvka above.
template <class T>
std::vector<mapper_detail::edge<T>> euclidean_mst(const points_view<T>& X, std::size_t prim_max,
                                                  const exec_policy& policy) {
    check_points(X, policy);
    if (X.n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw std::invalid_argument("too many points for one spanning tree");
    std::vector<mapper_detail::edge<T>> out;
    run_team(policy, 1, [&](unsigned, const std::atomic<bool>& cancel) {  // one worker, so Ctrl-C is polled
        out = dispatch_dim(X.d, [&](auto D) {
            return mapper_detail::euclidean_mst<decltype(D)::value>(X, prim_max, static_cast<T*>(nullptr), &cancel);
        });
    });
    std::sort(out.begin(), out.end());
    return out;
}

template <class T>
mapper_result mapper(const points_view<T>& X, const double* lens, std::size_t dl, const mapper_params& prm,
                     const exec_policy& policy) {
    using namespace mapper_detail;
    check_points(X, policy);
    check_params(dl, prm);
    for (std::size_t i = 0; i < X.n * dl; ++i)
        if (!std::isfinite(lens[i])) throw std::invalid_argument("the lens contains NaN or infinite values");

    mapper_result r;
    r.lower.resize(dl), r.upper.resize(dl);
    for (std::size_t c = 0; c < dl; ++c)
        cover_coordinate(lens, X.n, dl, c, prm.n_intervals[c], prm.overlap[c], prm.balanced, r.lower[c], r.upper[c]);
    std::vector<index_t> stride(dl, 1);
    for (std::size_t c = dl - 1; c-- > 0;) stride[c] = stride[c + 1] * static_cast<index_t>(r.lower[c + 1].size());

    const auto pairs = assign_cubes(lens, X.n, dl, r, stride, policy);
    std::vector<index_t> cube_of, start{0}, members(pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        members[i] = pairs[i].second;
        if (i > 0 && pairs[i].first != pairs[i - 1].first) start.push_back(static_cast<index_t>(i));
        if (i == 0 || pairs[i].first != pairs[i - 1].first) cube_of.push_back(pairs[i].first);
    }
    start.push_back(static_cast<index_t>(pairs.size()));

    // Largest preimages first, so one big cube does not finish last alone.
    const std::size_t cubes = cube_of.size();
    std::vector<std::size_t> by_size(cubes);
    std::iota(by_size.begin(), by_size.end(), 0);
    std::stable_sort(by_size.begin(), by_size.end(), [&](std::size_t a, std::size_t b) {
        return start[a + 1] - start[a] > start[b + 1] - start[b];
    });
    std::vector<std::vector<std::vector<index_t>>> clusters(cubes);
    std::atomic<std::size_t> next{0};
    const auto threads = static_cast<unsigned>(std::min<std::size_t>(resolve_threads(policy.n_threads), cubes));
    dispatch_dim(X.d, [&](auto D) {
        run_team(policy, threads, [&](unsigned, const std::atomic<bool>& cancel) {
            for (std::size_t t; (t = next.fetch_add(1)) < cubes && !cancel.load(std::memory_order_relaxed);) {
                const std::size_t q = by_size[t];
                clusters[q] = cluster_preimage<decltype(D)::value>(
                    X, members.data() + start[q], static_cast<std::size_t>(start[q + 1] - start[q]), prm, &cancel);
            }
        });
    });

    for (std::size_t q = 0; q < cubes; ++q)
        for (auto& cl : clusters[q]) {
            r.node_cube.push_back(cube_of[q]);
            for (std::size_t c = 0; c < dl; ++c) r.node_intervals.push_back((cube_of[q] / stride[c]) % static_cast<index_t>(r.lower[c].size()));
            r.members.insert(r.members.end(), cl.begin(), cl.end());
            r.node_offset.push_back(static_cast<index_t>(r.members.size()));
        }
    nerve(X.n, prm.triangles, r);
    return r;
}

}  // namespace fasttda
