// The clusterers Mapper runs on each preimage: single linkage (a cut of the
// minimum spanning tree, mst.hpp) and DBSCAN. Both label points through a
// union_find whose roots are the smallest index of each cluster, and run on
// one thread: Mapper runs one preimage per worker.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "box_tree.hpp"
#include "edge.hpp"
#include "mst.hpp"
#include "parallel.hpp"
#include "points.hpp"
#include "union_find.hpp"

namespace fasttda {

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
    for (std::size_t i = 0; i < w.size(); ++i) {
        bin[i] = hi > lo ? std::min(B - 1, static_cast<std::size_t>((w[i] - lo) / (hi - lo) * static_cast<double>(B))) : 0;
        ++count[bin[i]];
    }
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
// the graph joining points at distance <= height, by breadth-first search.
// The points not yet reached stay packed coordinate by coordinate, as in
// Prim (mst.hpp); each reached point scans only those (one vectorised pass)
// and takes the ones within reach out. The same partition as cutting the
// minimum spanning tree at the height, and the same squared distances (summed
// over the coordinates in order). Prim always makes m²/2 comparisons; here a
// dense preimage is reached in a few scans and the pairs left are those of
// isolated points, which is why a fixed height costs a fraction of the tree
// (RESULTS.md, "Mapper at scale").
template <int D, class T>
FASTTDA_NOINLINE void height_components(const points_view<T>& P, double height, union_find<std::int32_t>& uf,
                                        cancel_flag cancel = nullptr) {
    const std::size_t m = P.n, d = D > 0 ? static_cast<std::size_t>(D) : P.d;
    if (m < 2) return;
    const T reach = squared_height<T>(height);
    std::vector<T> coord(m * d), done(m * d);  // coord[j * m + u]: unreached slot u; done: reached, row by row
    std::vector<std::int32_t> id(m), done_id(m);
    std::vector<std::uint8_t> hit(m);
    for (std::size_t u = 0; u < m; ++u) {
        id[u] = static_cast<std::int32_t>(u);
        for (std::size_t j = 0; j < d; ++j) coord[j * m + u] = P.row(u)[j];
    }
    std::size_t live = m, head = 0, tail = 0;
    auto take = [&](std::size_t u) {  // slot u is reached: append it to done, fill the hole with the last slot
        for (std::size_t j = 0; j < d; ++j) done[tail * d + j] = coord[j * m + u];
        done_id[tail++] = id[u];
        --live;
        for (std::size_t j = 0; j < d; ++j) coord[j * m + u] = coord[j * m + live];
        id[u] = id[live], hit[u] = hit[live];
    };
    for (std::size_t step = 0; live > 0; ++step) {
        poll(cancel, step, 64);
        if (head == tail) take(live - 1);  // a new component
        const T* q = done.data() + head * d;
        const std::int32_t from = done_id[head++];
        const T* C = coord.data();
        std::uint8_t* H = hit.data();
        for (std::size_t u = 0; u < live; ++u) {
            T s = 0;
            for (std::size_t j = 0; j < d; ++j) {
                const T t = C[j * m + u] - q[j];
                s += t * t;
            }
            H[u] = static_cast<std::uint8_t>(s <= reach);
        }
        for (std::size_t u = 0; u < live;) {
            if (!hit[u]) {
                ++u;
                continue;
            }
            uf.unite(from, id[u]);
            take(u);  // slot u now holds another unreached point: look at it again
        }
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
