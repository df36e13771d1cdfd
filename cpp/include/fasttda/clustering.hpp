// The clusterers Mapper runs on each preimage: single linkage (a cut of the
// minimum spanning tree, mst.hpp) and DBSCAN. Both label points through a
// union_find whose roots are the smallest index of each cluster, and run on
// one thread: Mapper runs one preimage per worker.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>
#include <type_traits>
#include <vector>

#include "box_tree.hpp"
#include "edge.hpp"
#include "mst.hpp"
#include "pair_extremes.hpp"
#include "parallel.hpp"
#include "points.hpp"
#include "union_find.hpp"

namespace fasttda {

// The histogram bin of a merge height w among B equal bins over [lo, hi]; a
// non-decreasing function of w, so "bin < g" is "w below some threshold".
inline std::size_t gap_bin(double w, double lo, double hi, std::size_t B) {
    return hi > lo ? std::min(B - 1, static_cast<std::size_t>((w - lo) / (hi - lo) * static_cast<double>(B))) : 0;
}

// Single linkage at a fixed height (merge edges of length <= h), or at the
// first gap of the merge heights (Singh, Mémoli & Carlsson 2007): B equal bins
// over [shortest MST edge, diameter of the preimage], and edges in the bins
// below the first empty one are merged (no empty bin: one cluster). Reaching
// to the diameter makes the cut scale-aware: a long edge splits a preimage
// only when it is long compared with the preimage itself.
template <class T>
void single_linkage_cut(const std::vector<edge<T>>& mst, T diam2, std::optional<double> height, std::size_t bins,
                        union_find<std::int32_t>& uf) {
    if (mst.empty()) return;
    std::vector<double> w(mst.size());
    for (std::size_t i = 0; i < mst.size(); ++i) w[i] = std::sqrt(static_cast<double>(mst[i].d2));
    if (height) {
        for (std::size_t i = 0; i < mst.size(); ++i)
            if (w[i] <= *height) uf.unite(mst[i].a, mst[i].b);
        return;
    }
    const double lo = *std::min_element(w.begin(), w.end());
    const double hi = std::max(*std::max_element(w.begin(), w.end()), std::sqrt(static_cast<double>(diam2)));
    const std::size_t B = std::max<std::size_t>(1, bins);
    std::vector<std::size_t> bin(w.size()), count(B, 0);
    for (std::size_t i = 0; i < w.size(); ++i) ++count[bin[i] = gap_bin(w[i], lo, hi, B)];
    const std::size_t gap = static_cast<std::size_t>(std::find(count.begin(), count.end(), 0) - count.begin());
    for (std::size_t i = 0; i < mst.size(); ++i)
        if (bin[i] < gap) uf.unite(mst[i].a, mst[i].b);
}

// The largest squared distance d2 (in T) with sqrt(d2) <= height, the test
// single_linkage_cut applies to an MST edge: comparing squared distances
// against it merges exactly the pairs the cut would.
template <class T>
T squared_height(double height) {
    constexpr T inf = std::numeric_limits<T>::infinity();
    if (!(height * height < static_cast<double>(std::numeric_limits<T>::max()))) return inf;
    T b = static_cast<T>(height * height);
    while (b > 0 && std::sqrt(static_cast<double>(b)) > height) b = std::nextafter(b, T(0));
    while (std::sqrt(static_cast<double>(std::nextafter(b, inf))) <= height) b = std::nextafter(b, inf);
    return b;
}

// Single linkage at a fixed height without a spanning tree: the components of
// the graph joining points at distance <= height, by a depth-first search.
// The points are bucketed along their widest coordinate (cells an eighth of
// the height wide, a counting sort) and kept packed coordinate by coordinate,
// as in Prim (mst.hpp); each reached point makes one vectorised pass over the
// cells within the height of its own (a pair farther apart in one coordinate
// is farther apart in all), and takes the unreached points within reach out.
// Same partition as cutting the minimum spanning tree at the height, with the
// same squared distances (summed over the coordinates in order). Depth first,
// since the newest points are the ones at the edge of what is reached: their
// scans find new points while the unreached set is still large, so it empties
// sooner than breadth first does (5.6× fewer pairs on filter-like preimages;
// RESULTS.md, "Mapper at 10^5"). Reached points stay in the array as holes,
// skipped by a mask, until the holes scanned since the last compaction
// outnumber the slots: then they are squeezed out, which costs no more than
// the scans they wasted. components_within joins the pairs with squared
// distance <= reach and returns the number of components; height_components
// takes the height.
template <int D, class T>
FASTTDA_NOINLINE std::size_t components_within(const points_view<T>& P, T reach, union_find<std::int32_t>& uf,
                                               cancel_flag cancel = nullptr) {
    const std::size_t m = P.n, d = D > 0 ? static_cast<std::size_t>(D) : P.d;
    if (m < 2) return m;
    // The widest coordinate c, by variance.
    std::vector<double> sum(d, 0), sq(d, 0), lo(d, std::numeric_limits<double>::infinity()),
        hi(d, -std::numeric_limits<double>::infinity());
    for (std::size_t u = 0; u < m; ++u)
        for (std::size_t j = 0; j < d; ++j) {
            const double x = static_cast<double>(P.row(u)[j]);
            sum[j] += x, sq[j] += x * x, lo[j] = std::min(lo[j], x), hi[j] = std::max(hi[j], x);
        }
    std::size_t c = 0;
    for (std::size_t j = 1; j < d; ++j)
        if (sq[j] - sum[j] * sum[j] / static_cast<double>(m) > sq[c] - sum[c] * sum[c] / static_cast<double>(m)) c = j;
    // Half-width w of a window: a pair farther apart than w in coordinate c has a computed squared distance
    // above reach, whatever the rounding (2^-12 of slack against float's 2^-24 per operation). Squares
    // below 4 × the smallest normal number may underflow: w is never less than the root of that, so the
    // squares that rule a pair out are normal. Cells g wide, at most 4m of them;
    // a point scans the r cells either side of its own, r = ceil(w / g) + 1 (one more for the rounding of
    // the cell numbers), which covers every point within w of it.
    const double x0 = lo[c], span = hi[c] - lo[c];
    std::size_t cells = 1, r = 0;
    double g = 1;
    if (reach < std::numeric_limits<T>::infinity() && span > 0) {
        const double tiny = 4 * static_cast<double>(std::numeric_limits<T>::min());
        const double w = std::sqrt(std::max(static_cast<double>(reach), tiny)) * (1 + 0x1p-12);
        g = std::max(w / 8, span / static_cast<double>(4 * m));
        if (span / g < static_cast<double>(4 * m + 1)) {
            cells = static_cast<std::size_t>(span / g) + 1;
            r = static_cast<std::size_t>(std::ceil(w / g)) + 1;
        }
    }
    std::vector<std::uint32_t> cell(m, 0);  // by original index
    std::vector<std::size_t> start(cells + 1, 0);
    if (cells > 1)
        for (std::size_t u = 0; u < m; ++u)
            cell[u] = static_cast<std::uint32_t>(std::min(cells - 1, static_cast<std::size_t>((static_cast<double>(P.row(u)[c]) - x0) / g)));
    for (std::size_t u = 0; u < m; ++u) ++start[cell[u] + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    std::vector<std::int32_t> id(m);
    {
        std::vector<std::size_t> at(start.begin(), start.end() - 1);
        for (std::size_t u = 0; u < m; ++u) id[at[cell[u]]++] = static_cast<std::int32_t>(u);
    }
    std::vector<T> coord(m * d);  // coord[j * m + s]: slot s, in the order of the cells
    for (std::size_t s = 0; s < m; ++s)
        for (std::size_t j = 0; j < d; ++j) coord[j * m + s] = P.row(static_cast<std::size_t>(id[s]))[j];
    std::vector<std::uint8_t> alive(m, 1), hit(m);
    std::vector<std::int32_t> stack;
    std::size_t size = m, live = m, cursor = 0, waste = 0, components = 0;
    for (std::size_t step = 0; live > 0; ++step) {
        poll(cancel, step, 64);
        if (stack.empty()) {  // a new component
            ++components;
            while (!alive[cursor]) ++cursor;
            alive[cursor] = 0, --live;
            stack.push_back(id[cursor]);
        }
        const std::int32_t from = stack.back();
        stack.pop_back();
        const T* q = P.row(static_cast<std::size_t>(from));
        const std::size_t k = cell[static_cast<std::size_t>(from)];
        const std::size_t a = start[k > r ? k - r : 0], b = start[std::min(cells, k + r + 1)];
        const T* C = coord.data();
        const std::uint8_t* A = alive.data();
        std::uint8_t* H = hit.data();
        unsigned any = 0, open = 0;
        for (std::size_t u = a; u < b; ++u) {
            T s = 0;
            for (std::size_t j = 0; j < d; ++j) {
                const T t = C[j * m + u] - q[j];
                s += t * t;
            }
            H[u] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(s <= reach) & A[u]);
            any |= H[u], open += A[u];
        }
        waste += (b - a) - open;
        if (any)
            for (std::size_t u = a; u < b;) {
                std::uint64_t eight = 1;  // hits are few: skip eight empty flags at a time
                if (u + 8 <= b) std::memcpy(&eight, H + u, 8);
                if (!eight) {
                    u += 8;
                    continue;
                }
                if (H[u]) {
                    uf.unite(from, id[u]);
                    alive[u] = 0, --live;
                    stack.push_back(id[u]);
                }
                ++u;
            }
        if (waste > size) {  // squeeze the holes out, keeping the cells in order
            std::size_t t = 0;
            std::fill(start.begin(), start.end(), 0);
            for (std::size_t u = 0; u < size; ++u) {
                if (!alive[u]) continue;
                for (std::size_t j = 0; j < d; ++j) coord[j * m + t] = coord[j * m + u];
                id[t] = id[u], alive[t++] = 1;
                ++start[cell[static_cast<std::size_t>(id[u])] + 1];
            }
            std::partial_sum(start.begin(), start.end(), start.begin());
            size = t, waste = 0, cursor = 0;
        }
    }
    return components;
}

template <int D, class T>
void height_components(const points_view<T>& P, double height, union_find<std::int32_t>& uf,
                       cancel_flag cancel = nullptr) {
    components_within<D>(P, squared_height<T>(height), uf, cancel);
}

// The largest squared distance t in [a, b] (0 <= a <= b, finite) with
// below(t), for a predicate true at a and monotone (true, then false): a
// binary search over the representations of the non-negative floats, which
// are ordered as the floats are.
template <class T, class F>
T largest_where(T a, T b, F&& below) {
    using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    static_assert(sizeof(T) == sizeof(U));
    if (below(b)) return b;
    U lo, hi;  // below(lo) holds, below(hi) does not
    std::memcpy(&lo, &a, sizeof(T)), std::memcpy(&hi, &b, sizeof(T));
    while (hi - lo > 1) {
        const U mid = lo + (hi - lo) / 2;
        T t;
        std::memcpy(&t, &mid, sizeof(T));
        (below(t) ? lo : hi) = mid;
    }
    T t;
    std::memcpy(&t, &lo, sizeof(T));
    return t;
}

// Single linkage at the first gap without a spanning tree. The rule (see
// single_linkage_cut) needs the shortest MST edge, which is the closest pair,
// the diameter, and which bins hold MST edges: the edges of length in bins
// <= b are those with d2 <= t_b, the largest squared distance that gap_bin
// puts in bin b or below, and there are m - (components of the graph of pairs
// within t_b) of them. So bin b is empty exactly when the components at t_b
// and at t_(b-1) are as many; the cut below the first empty bin is the
// partition at t_(b-1), and once one component is left all later bins are
// empty. Same partition as cutting Prim's tree, with the same squared
// distances; each count is a components_within search (usually one or two on
// Mapper's preimages, against Prim's m²/2 pairs).
template <int D, class T>
void first_gap_components(const points_view<T>& P, std::size_t bins, union_find<std::int32_t>& uf,
                          cancel_flag cancel = nullptr) {
    const std::size_t m = P.n;
    if (m < 2) return;
    const T lo2 = closest_pair2<D>(P, cancel), diam2 = farthest_pair2<D>(P, cancel);
    const double lo = std::sqrt(static_cast<double>(lo2)), hi = std::sqrt(static_cast<double>(diam2));
    const std::size_t B = std::max<std::size_t>(1, bins);
    std::size_t before = m;
    for (std::size_t b = 0; b < B && before > 1; ++b) {
        const T t = largest_where(lo2, diam2, [&](T d2) { return gap_bin(std::sqrt(static_cast<double>(d2)), lo, hi, B) <= b; });
        union_find<std::int32_t> next(m);
        const std::size_t comps = components_within<D>(P, t, next, cancel);
        if (comps == before) break;  // bin b is empty: the first gap
        uf = std::move(next), before = comps;
    }
}

// Density-based clusters: core points have at least min_samples points within
// eps (themselves included) and are joined when within eps of each other; a
// border point joins the cluster of its nearest core point (ties: smallest
// index); the rest is noise (label -1).
template <int D, class T>
std::vector<std::int32_t> dbscan_labels(const points_view<T>& P, double eps, std::size_t min_samples,
                                        union_find<std::int32_t>& uf, cancel_flag cancel) {
    const std::size_t m = P.n;
    const T r2 = static_cast<T>(eps) * static_cast<T>(eps);
    const box_tree<D, T> tree(P);
    std::vector<char> core(m, 0);
    for (std::size_t p = 0; p < m; ++p) {
        poll(cancel, p);
        std::size_t count = 0;
        tree.within(tree.point(p), r2, [&](std::int32_t, T) { ++count; });
        core[tree.local(p)] = count >= min_samples;
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

}  // namespace fasttda
