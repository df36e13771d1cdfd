// Mapper (Singh, Mémoli & Carlsson 2007): cover the range of a lens with
// overlapping hypercubes (cover.hpp), cluster the points of each cube's
// preimage (clustering.hpp), and join clusters that share points (nerve.hpp).
//
// Clustering runs per preimage, one preimage per task on the thread team, each
// single-threaded and independent of the others, so the graph does not depend
// on the thread count. Nodes are ordered by cube, then by smallest member.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "clustering.hpp"
#include "cover.hpp"
#include "mst.hpp"
#include "nerve.hpp"
#include "parallel.hpp"
#include "points.hpp"
#include "union_find.hpp"

namespace fasttda {

enum class clusterer_kind { single_linkage, dbscan };

// The options of one Mapper run; the bindings expose them by name.
struct mapper_params {
    std::vector<std::int64_t> n_intervals; // per lens coordinate, >= 1
    std::vector<double> overlap;           // per lens coordinate, in [0, 1)
    bool balanced = false;
    clusterer_kind clusterer = clusterer_kind::single_linkage;
    std::optional<double> height;          // single linkage: cut height; unset: the first gap of a histogram
    std::size_t bins = 10;                 // histogram bins of the gap heuristic
    double eps = 0;                        // dbscan radius (closed ball)
    std::size_t min_samples = 5;           // dbscan: neighbours within eps, the point itself included
    std::int64_t min_points = 1;           // clusters smaller than this are dropped
    bool triangles = false;
    // First-gap cut: set, read off an explicit minimum spanning tree (Prim up to this size, Borůvka above);
    // unset, found without a tree by first_gap_components (the same clusters, far fewer pairs).
    std::optional<std::size_t> prim_max;
};

struct mapper_result {
    std::vector<std::vector<double>> lower, upper;  // per coordinate: nominal interval ends
    std::vector<index_t> node_cube;                 // flat cube index per node
    std::vector<index_t> node_intervals;            // n_nodes × lens dims
    std::vector<index_t> node_offset{0};            // members of node v: [offset[v], offset[v+1])
    std::vector<index_t> members;
    std::vector<index_t> edges;                     // 2 per edge, a < b, sorted
    std::vector<index_t> edge_weight;               // shared points
    std::vector<index_t> triangles;                 // 3 per triangle, sorted
    std::vector<double> lens_mean;                  // n_nodes × lens dims: the members' mean lens
};

namespace mapper_detail {

// What one worker reuses from preimage to preimage: the preimage's rows and its labels.
template <class T>
struct preimage_buffers {
    std::vector<T> rows;
    std::vector<std::int32_t> label, slot;
    std::vector<index_t> count, sorted;
};

// Clusters one preimage, members[0 .. m) (original indices, increasing), in
// place: the kept clusters (min_points or more) come first, one after the
// other in order of their smallest member, each in increasing order; their
// sizes are appended to `sizes` and their mean lens (dl values each, summed
// over the members in order) to `means`. Returns the number of points kept.
template <int D, class T>
std::size_t cluster_preimage(const points_view<T>& X, index_t* members, std::size_t m, const mapper_params& prm,
                             std::size_t prim_max, const double* lens, std::size_t dl, preimage_buffers<T>& buf,
                             std::vector<index_t>& sizes, std::vector<double>& means, cancel_flag cancel) {
    const std::size_t d = D > 0 ? static_cast<std::size_t>(D) : X.d;
    buf.rows.resize(m * d);
    T* rows = buf.rows.data();
    for (std::size_t i = 0; i < m; ++i) {  // a loop of known length, not a memmove call per row
        const T* row = X.row(static_cast<std::size_t>(members[i]));
        for (std::size_t j = 0; j < d; ++j) rows[i * d + j] = row[j];
    }
    const points_view<T> P{rows, m, X.d};
    union_find<std::int32_t> uf(m);
    std::vector<std::int32_t>& label = buf.label;
    if (prm.clusterer == clusterer_kind::dbscan) {
        label = dbscan_labels<D>(P, prm.eps, prm.min_samples, uf, cancel);
    } else if (prm.height) {
        height_components<D>(P, *prm.height, uf, cancel);
    } else if (!prm.prim_max) {
        first_gap_components<D>(P, prm.bins, uf, cancel);
    } else {
        T diam2 = 0;
        const auto mst = minimum_spanning_tree<D>(P, prim_max, &diam2, cancel);
        single_linkage_cut(mst, diam2, prm.height, prm.bins, uf);
    }
    if (prm.clusterer == clusterer_kind::single_linkage) {
        label.resize(m);
        for (std::size_t i = 0; i < m; ++i) label[i] = uf.find(static_cast<std::int32_t>(i));
    }
    // Roots are the smallest index of their component, and local order is
    // original order, so scanning i upward meets clusters by smallest member:
    // number them so (label -> slot), count them, and place them by a counting
    // sort, the dropped ones (and DBSCAN's noise) last.
    buf.slot.assign(m, -1);
    buf.count.clear();
    for (std::size_t i = 0; i < m; ++i) {
        const std::int32_t l = label[i];
        if (l < 0) continue;
        if (buf.slot[static_cast<std::size_t>(l)] < 0) buf.slot[static_cast<std::size_t>(l)] = static_cast<std::int32_t>(buf.count.size()), buf.count.push_back(0);
        ++buf.count[static_cast<std::size_t>(buf.slot[static_cast<std::size_t>(l)])];
    }
    index_t kept = 0;
    const std::size_t first = sizes.size();
    for (index_t& c : buf.count) {  // count -> where the cluster starts, or -1 when dropped
        const index_t size = c;
        if (size < prm.min_points) {
            c = -1;
            continue;
        }
        sizes.push_back(size);
        c = kept, kept += size;
    }
    if (!(kept == static_cast<index_t>(m) && buf.count.size() == 1)) {  // else one cluster of every point: in place already
        buf.sorted.resize(static_cast<std::size_t>(kept));
        for (std::size_t i = 0; i < m; ++i) {
            if (label[i] < 0) continue;
            index_t& at = buf.count[static_cast<std::size_t>(buf.slot[static_cast<std::size_t>(label[i])])];
            if (at >= 0) buf.sorted[static_cast<std::size_t>(at++)] = members[i];
        }
        std::copy(buf.sorted.begin(), buf.sorted.end(), members);
    }
    const index_t* member = members;
    for (std::size_t v = first; v < sizes.size(); member += sizes[v++]) {
        const std::size_t at = means.size();
        means.resize(at + dl, 0.0);
        for (index_t k = 0; k < sizes[v]; ++k)
            for (std::size_t c = 0; c < dl; ++c) means[at + c] += lens[static_cast<std::size_t>(member[k]) * dl + c];
        for (std::size_t c = 0; c < dl; ++c) means[at + c] /= static_cast<double>(sizes[v]);
    }
    return static_cast<std::size_t>(kept);
}

inline void check_params(std::size_t dl, const mapper_params& prm) {
    if (dl < 1 || dl > 3) throw std::invalid_argument("the lens must have 1 to 3 coordinates, got " + std::to_string(dl));
    if (prm.n_intervals.size() != dl || prm.overlap.size() != dl)
        throw std::invalid_argument("n_intervals and overlap need one value per lens coordinate");
    double cubes = 1;
    for (std::size_t c = 0; c < dl; ++c) {
        if (prm.n_intervals[c] < 1) throw std::invalid_argument("n_intervals must be at least 1");
        cubes *= static_cast<double>(prm.n_intervals[c]);
        if (prm.n_intervals[c] > (std::int64_t(1) << 24) || cubes > 9e15)  // cube numbers must fit an int64
            throw std::invalid_argument("n_intervals is too large: at most 2^24 per coordinate and 9e15 cubes");
        if (!(prm.overlap[c] >= 0 && prm.overlap[c] < 1)) throw std::invalid_argument("overlap must lie in [0, 1)");
    }
    if (prm.min_points < 1) throw std::invalid_argument("min_points must be at least 1");
    if (prm.clusterer == clusterer_kind::dbscan && !(prm.eps >= 0 && std::isfinite(prm.eps)))
        throw std::invalid_argument("eps must be a finite distance >= 0");
    if (prm.height && !(*prm.height >= 0))
        throw std::invalid_argument("the single-linkage height must be >= 0, got " + format_number(*prm.height));
}

}  // namespace mapper_detail

template <class T>
mapper_result mapper(const points_view<T>& X, const double* lens, std::size_t dl, const mapper_params& prm,
                     const exec_policy& policy) {
    check_points(X, policy);
    mapper_detail::check_params(dl, prm);
    for (std::size_t i = 0; i < X.n * dl; ++i)
        if (!std::isfinite(lens[i])) throw std::invalid_argument("the lens contains NaN or infinite values");

    const std::size_t prim_max = prm.prim_max.value_or(default_prim_max(X.d));
    mapper_result r;
    r.lower.resize(dl), r.upper.resize(dl);
    for (std::size_t c = 0; c < dl; ++c)
        cover_coordinate(lens, X.n, dl, c, static_cast<std::size_t>(prm.n_intervals[c]), prm.overlap[c], prm.balanced, r.lower[c], r.upper[c]);
    std::vector<index_t> stride(dl, 1);
    for (std::size_t c = dl - 1; c-- > 0;) stride[c] = stride[c + 1] * static_cast<index_t>(r.lower[c + 1].size());

    std::vector<index_t> cube_of, start, members;
    assign_cubes(lens, X.n, dl, r.lower, r.upper, stride, policy, cube_of, start, members);

    // Largest preimages first, so one big cube does not finish last alone.
    const std::size_t cubes = cube_of.size();
    std::vector<std::size_t> by_size(cubes);
    std::iota(by_size.begin(), by_size.end(), 0);
    std::stable_sort(by_size.begin(), by_size.end(), [&](std::size_t a, std::size_t b) {
        return start[a + 1] - start[a] > start[b + 1] - start[b];
    });
    // Each preimage is clustered in place in `members`; its nodes' sizes go to sizes[q].
    std::vector<std::vector<index_t>> sizes(cubes);
    std::vector<std::vector<double>> means(cubes);
    std::vector<std::size_t> kept(cubes);
    std::atomic<std::size_t> next{0};
    const auto threads = static_cast<unsigned>(std::min<std::size_t>(resolve_threads(policy.n_threads), cubes));
    std::vector<mapper_detail::preimage_buffers<T>> buffers(threads);
    dispatch_dim(X.d, [&](auto D) {
        run_team(policy, threads, [&](unsigned tid, const std::atomic<bool>& cancel) {
            for (std::size_t t; (t = next.fetch_add(1)) < cubes && !cancel.load(std::memory_order_relaxed);) {
                const std::size_t q = by_size[t];
                kept[q] = mapper_detail::cluster_preimage<decltype(D)::value>(
                    X, members.data() + start[q], static_cast<std::size_t>(start[q + 1] - start[q]), prm, prim_max,
                    lens, dl, buffers[tid], sizes[q], means[q], &cancel);
            }
        });
    });
    buffers.clear();

    std::size_t nodes = 0, total = 0;
    for (std::size_t q = 0; q < cubes; ++q) nodes += sizes[q].size(), total += kept[q];
    r.node_cube.reserve(nodes), r.node_intervals.reserve(nodes * dl), r.node_offset.reserve(nodes + 1);
    for (std::size_t q = 0; q < cubes; ++q)
        for (const index_t size : sizes[q]) {
            r.node_cube.push_back(cube_of[q]);
            for (std::size_t c = 0; c < dl; ++c) r.node_intervals.push_back((cube_of[q] / stride[c]) % static_cast<index_t>(r.lower[c].size()));
            r.node_offset.push_back(r.node_offset.back() + size);
        }
    if (total == members.size()) {  // nothing dropped: the clustered preimages are the nodes' members
        r.members = std::move(members);
    } else {
        r.members.resize(total);
        auto to = r.members.begin();
        for (std::size_t q = 0; q < cubes; ++q)
            to = std::copy(members.begin() + start[q], members.begin() + start[q] + static_cast<std::ptrdiff_t>(kept[q]), to);
    }
    r.lens_mean.reserve(nodes * dl);
    for (std::size_t q = 0; q < cubes; ++q) r.lens_mean.insert(r.lens_mean.end(), means[q].begin(), means[q].end());
    nerve(X.n, r.node_offset, r.members, prm.triangles, r.edges, r.edge_weight, r.triangles);
    return r;
}

}  // namespace fasttda
