// Exact Euclidean minimum spanning trees: Prim's algorithm on packed arrays
// for small clouds, Borůvka on a box tree for large ones. Single linkage cuts
// them (clustering.hpp); euclidean_mst exposes them on their own.
//
// Edges are ordered by (length, a, b), so ties are broken the same way
// whatever order the edges are found in, and both algorithms give one tree.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "box_tree.hpp"
#include "edge.hpp"
#include "parallel.hpp"
#include "points.hpp"
#include "union_find.hpp"

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

// Prim is O(m²) but streams through packed arrays; Borůvka's kd-tree queries
// win early in a few dimensions and late in many (measured on Gaussian clouds
// and on filter-like points on S⁷, where a fifth of uniform noise blunts the
// tree: in 8-D Prim at 0.7 ns a pair is 3.4x faster at 16,000 points and 2.5x
// at 32,000, the gap closing by about 1.35x per doubling).
inline std::size_t default_prim_max(std::size_t d) { return d <= 5 ? 2048 : 131072; }

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
        const T *C = coord.data(), *J = joined.data();
        in_lanes<W>(0, live, [&](std::size_t u, std::size_t l) {
            const T s = column_dist2(C, m, d, u, J);
            const T old = K[u];
            const std::int32_t closer = -static_cast<std::int32_t>(s < old);
            F[u] ^= (F[u] ^ newest) & closer;
            const T k = s < old ? s : old;
            K[u] = k;
            hi[l] = s > hi[l] ? s : hi[l];
            lo[l] = k < lo[l] ? k : lo[l];
        });
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
    union_find<std::int32_t> uf(m);
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
std::vector<edge<T>> minimum_spanning_tree(const points_view<T>& P, std::size_t prim_max, T* diam2 = nullptr,
                                           cancel_flag cancel = nullptr) {
    if (diam2) *diam2 = 0;
    return P.n <= prim_max ? prim_mst<D>(P, diam2, cancel) : boruvka_mst<D>(P, diam2, cancel);
}

// The exact Euclidean minimum spanning tree of X: (a, b, length²) per edge,
// sorted by (length, a, b). Prim up to prim_max points, Borůvka above.
template <class T>
std::vector<edge<T>> euclidean_mst(const points_view<T>& X, std::size_t prim_max, const exec_policy& policy) {
    check_points(X, policy);
    if (X.n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw std::invalid_argument("too many points for one spanning tree");
    std::vector<edge<T>> out;
    run_team(policy, 1, [&](unsigned, const std::atomic<bool>& cancel) {  // one worker, so Ctrl-C is polled
        out = dispatch_dim(X.d, [&](auto D) {
            return minimum_spanning_tree<decltype(D)::value>(X, prim_max, static_cast<T*>(nullptr), &cancel);
        });
    });
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace fasttda
