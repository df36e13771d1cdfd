// Neighbourhoods of every point of a cloud: k nearest neighbours, codensity
// (distance to the k-th neighbour), dense cores and radius graphs.
//
// Every point is its own query and is never its own neighbour; another point
// at the same place is a neighbour at distance 0. Neighbours are ranked by
// (distance, original index), so results equal a brute-force scan and do not
// depend on the thread count. Queries run in tree order, in chunks, with one
// neighbour buffer per thread: codensity streams and never holds the n×k neighbour table.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "kdtree.hpp"
#include "memory.hpp"
#include "parallel.hpp"
#include "points.hpp"

namespace fasttda {

// (squared distance, original index) as one value ordered like the pair. For
// float both fit in one 64-bit integer (the bits of a non-negative float order
// as the float does), so each comparison in a selection is one integer compare
// instead of two branches.
template <class T>
struct ranked {
    struct type {
        T dist2;
        index_t index;
        bool operator<(const type& o) const { return dist2 < o.dist2 || (dist2 == o.dist2 && index < o.index); }
    };
    static type make(T d2, index_t i) { return {d2, i}; }
    static T dist2(const type& r) { return r.dist2; }
    static index_t index(const type& r) { return r.index; }
};

template <>
struct ranked<float> {
    using type = std::uint64_t;
    static type make(float d2, index_t i) {
        std::uint32_t bits;
        std::memcpy(&bits, &d2, sizeof bits);
        return (type(bits) << 32) | type(static_cast<std::uint32_t>(i));
    }
    static float dist2(type r) {
        const auto bits = static_cast<std::uint32_t>(r >> 32);
        float d2;
        std::memcpy(&d2, &bits, sizeof d2);
        return d2;
    }
    static index_t index(type r) { return static_cast<index_t>(r & 0xffffffffu); }
};

// The k nearest points seen so far. A block's candidates within the bound are
// appended without a branch per point; at k the bound drops to the largest
// found, and once the buffer holds 2k a selection cuts it to the k smallest and
// the k-th becomes the bound. An append is far cheaper than a heap's
// sift-down; the bound shrinks in steps, so a few more candidates pass it,
// which costs less than it saves (measured at k=300). Candidates carry their
// tree position until a cut ranks them, when it becomes the original index.
//
// The cut is a histogram select: every candidate lies within the bound, so
// its squared distance scaled to [0, buckets) and rounded down gives a bucket
// that orders as the distance does (a positive scale and rounding down are
// monotone). One pass counts the buckets, the counts name the bucket that
// holds the k-th, a second pass keeps those below it and sets aside those in
// it, and only those few are ranked exactly. Both passes run without a branch
// per candidate; std::nth_element on the 2k candidates' random distances
// mispredicts about half its comparisons and took 2.2 µs a cut at k = 100,
// most of the buffer's cost (benchmarks/knn_query_split.cpp, which times the
// two cuts side by side through the second template argument).
enum class buffer_cut { histogram, nth_element };

template <class T, buffer_cut Cut = buffer_cut::histogram>
class knn_buffer {
public:
    using R = ranked<T>;
    using item = typename R::type;
    static constexpr std::size_t max_block = 32;  // room a block's append may overrun

    // Twice the room a cut reads: the second half holds the candidates of the k-th's bucket.
    knn_buffer(std::size_t k, const index_t* order) : k_(k), order_(order), items_(2 * (2 * k + max_block)) {}

    // Starts a search for the point at tree position self_pos. A finite bound
    // (a squared distance) restricts it to points within that distance.
    void reset(index_t self_pos, T bound = std::numeric_limits<T>::infinity()) {
        size_ = ranked_ = 0;
        self_ = self_pos;
        bound_ = bound;
    }
    T bound() const { return bound_; }
    // Whether k points were found: with a finite bound, false means the k-th
    // nearest point lies beyond it.
    bool full() const { return size_ >= k_; }

    template <std::size_t W>
    void visit_block(const T* d2, unsigned mask, index_t pos) {
        static_assert(W <= max_block);
        if (static_cast<std::uint64_t>(self_ - pos) < W) mask &= ~(1u << (self_ - pos));
        item* out = items_.data() + size_;
        for (std::size_t t = 0; t < W; ++t) {
            *out = R::make(d2[t], pos + static_cast<index_t>(t));
            out += (mask >> t) & 1u;
        }
        const std::size_t before = size_;
        size_ = static_cast<std::size_t>(out - items_.data());
        if (size_ >= 2 * k_) {
            cut();
        } else if (size_ >= k_ && before < k_) {
            T most = 0;
            for (std::size_t i = 0; i < size_; ++i) most = std::max(most, R::dist2(items_[i]));
            bound_ = std::min(bound_, most);
        }
    }

    // The k-th smallest squared distance (after a search that found k points).
    T kth() {
        cut();
        return R::dist2(items_[k_ - 1]);
    }
    // The k neighbours in increasing (distance, index) order.
    const item* sorted() {
        cut();
        std::sort(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(k_));
        return items_.data();
    }

private:
    static constexpr std::size_t buckets = 256;

    // Keeps the k smallest, the k-th last, and bounds later candidates by it.
    void cut() {
        for (std::size_t i = ranked_; i < size_; ++i)
            items_[i] = R::make(R::dist2(items_[i]), order_[R::index(items_[i])]);
        const std::size_t n = size_;
        std::size_t from = 0, to = n;  // the k-th lies in items_[from, to) once the histogram has run
        const T top = bound_, scale = T(buckets) / top;
        if (Cut == buffer_cut::histogram && n >= 64 && n >= k_ && top > T(0) &&
            scale < std::numeric_limits<T>::infinity()) {
            auto bucket = [&](const item& it) {  // monotone in the distance; clamped, so never out of range
                return static_cast<std::uint32_t>(static_cast<std::int32_t>(std::min(R::dist2(it) * scale, T(buckets - 1))));
            };
            std::uint32_t count[buckets] = {};
            for (std::size_t i = 0; i < n; ++i) ++count[bucket(items_[i])];
            std::uint32_t b = 0;
            std::size_t below = 0;
            while (below + count[b] < k_) below += count[b++];
            std::size_t lows = 0, same = 0;
            item* rest = items_.data() + items_.size() - n;  // the scratch half past the buffer
            for (std::size_t i = 0; i < n; ++i) {
                const item it = items_[i];
                const std::uint32_t at = bucket(it);
                items_[lows] = it;  // lows <= i: the read came first
                lows += at < b;
                rest[same] = it;
                same += at == b;
            }
            std::copy(rest, rest + same, items_.begin() + static_cast<std::ptrdiff_t>(lows));
            from = lows, to = lows + same;
        }
        const auto first = items_.begin(), kth = first + static_cast<std::ptrdiff_t>(k_ - 1);
        std::nth_element(first + static_cast<std::ptrdiff_t>(from), kth, first + static_cast<std::ptrdiff_t>(to));
        size_ = ranked_ = k_;
        bound_ = R::dist2(*kth);
    }

    std::size_t k_;
    const index_t* order_;
    std::vector<item> items_;  // [0, ranked_) hold original indices, the rest tree positions
    std::size_t size_ = 0, ranked_ = 0;
    index_t self_ = -1;
    T bound_ = std::numeric_limits<T>::infinity();
};

// k as the caller gave it (signed, so a negative k is reported, not wrapped).
inline void check_k(std::int64_t k, std::size_t n) {
    if (k < 1) throw std::invalid_argument("k must be at least 1, got " + std::to_string(k));
    if (n > 0xffffffffu)  // ranked<float> packs an index into 32 bits
        throw std::length_error("k-NN searches take at most 4294967295 points, got " + std::to_string(n));
    if (static_cast<std::uint64_t>(k) >= n)
        throw std::invalid_argument("k must be smaller than the number of points (k=" + std::to_string(k) +
                                    ", n=" + std::to_string(n) + "): a point is not its own neighbour");
}

// The two n×k tables of knn (indices and distances) must fit in memory;
// checked by whoever allocates them, before allocating.
inline void check_knn_memory(std::size_t n, std::size_t k, std::size_t value_bytes) {
    check_memory(static_cast<double>(n) * static_cast<double>(k) * static_cast<double>(sizeof(index_t) + value_bytes),
                 "knn of " + std::to_string(n) + " points with k=" + std::to_string(k) + " (two n×k tables)",
                 "use codensity or dense_core, which never hold the n×k table, or a smaller k");
}

// Larger k visits more points per query: bigger leaves then cost less in tree
// walking than they add in distances (measured on filter-like data on S⁷; at
// k=100 of 10^6 points, leaves of 128 scan 27,700 points per query against
// 17,000 with 48, yet take 15-20% less time, the tree walk being the dearer).
inline std::size_t leaf_size_for(std::size_t k) { return k >= 100 ? 128 : k >= 50 ? 48 : 32; }

// Runs a k-NN search for every point in tree order (or for the tree positions
// in `only`, in that order), each limited to squared distances up to `bound`,
// and hands each finished search to emit(tree_position, knn_buffer).
template <class T, class Emit>
void for_each_knn(const kdtree<T>& tree, std::size_t k, const exec_policy& policy, Emit&& emit,
                  T bound = std::numeric_limits<T>::infinity(), const std::vector<index_t>* only = nullptr) {
    const std::size_t threads = resolve_threads(policy.n_threads);
    std::vector<knn_buffer<T>> found(threads, knn_buffer<T>(k, tree.order().data()));
    std::vector<typename kdtree<T>::probe> probes(threads, typename kdtree<T>::probe(tree.dims()));
    const std::size_t count = only ? only->size() : tree.size();
    dispatch_dim(tree.dims(), [&](auto D) {
        // Chunks of up to 512 queries, smaller for short lists (a pilot sample) so every thread gets some.
        const std::size_t grain = std::clamp<std::size_t>(count / (8 * threads), 1, 512);
        parallel_for(policy, count, grain, [&](unsigned tid, std::size_t b, std::size_t e) {
            knn_buffer<T>& nearest = found[tid];
            auto& probe = probes[tid];
            for (std::size_t i = b; i < e; ++i) {
                const std::size_t pos = only ? static_cast<std::size_t>((*only)[i]) : i;
                nearest.reset(static_cast<index_t>(pos), bound);
                probe.at(tree, pos);
                tree.template search<decltype(D)::value>(probe, nearest);
                emit(pos, nearest);
            }
        });
    });
}

// out[i] = distance from point i to its k-th nearest neighbour.
template <class T>
void codensity(const points_view<T>& X, std::size_t k, const exec_policy& policy, T* out) {
    check_points(X, policy);
    check_k(static_cast<std::int64_t>(k), X.n);
    const kdtree<T> tree(X, policy, leaf_size_for(k));
    for_each_knn(tree, k, policy, [&](std::size_t pos, knn_buffer<T>& nearest) {
        out[tree.original(pos)] = std::sqrt(nearest.kth());
    });
}

// Row i of indices/distances (n×k): the k nearest neighbours of point i, nearest first.
template <class T>
void knn(const points_view<T>& X, std::size_t k, const exec_policy& policy, index_t* indices, T* distances) {
    check_points(X, policy);
    check_k(static_cast<std::int64_t>(k), X.n);
    const kdtree<T> tree(X, policy, leaf_size_for(k));
    for_each_knn(tree, k, policy, [&](std::size_t pos, knn_buffer<T>& nearest) {
        const auto row = static_cast<std::size_t>(tree.original(pos)) * k;
        using R = typename knn_buffer<T>::R;
        const auto* items = nearest.sorted();
        for (std::size_t j = 0; j < k; ++j) {
            indices[row + j] = R::index(items[j]);
            distances[row + j] = std::sqrt(R::dist2(items[j]));
        }
    });
}

// One share of the queries, for spreading a search over processes or
// machines: part `part` of `parts` is the tree positions
// [part n / parts, (part + 1) n / parts), a spatially coherent block of the
// cloud. Every worker builds the same tree (the build does not depend on the
// thread count), and each point's neighbours are exact whichever searches ran
// beside it, so the parts put together equal the whole call bit for bit.
template <class T>
struct part_result {
    std::vector<index_t> queries;  // original indices of the part's points, in tree order
    std::vector<T> codensity;      // of each query (codensity_part)
    std::vector<index_t> indices;  // queries.size() × k neighbours, nearest first (knn_part)
    std::vector<T> distances;      // queries.size() × k (knn_part)
};

inline void check_part(std::int64_t part, std::int64_t parts) {
    if (parts < 1 || parts > (std::int64_t(1) << 31))
        throw std::invalid_argument("parts must be between 1 and 2^31, got " + std::to_string(parts));
    if (part < 0 || part >= parts)
        throw std::invalid_argument("part must be in [0, " + std::to_string(parts) + "), got " + std::to_string(part));
}

template <class T>
std::vector<index_t> part_positions(const kdtree<T>& tree, std::size_t part, std::size_t parts) {
    const std::size_t n = tree.size();
    // floor(n p / parts) without the product n p, which could overflow
    auto at = [&](std::size_t p) { return n / parts * p + n % parts * p / parts; };
    const std::size_t b = at(part), e = at(part + 1);
    std::vector<index_t> pos(e - b);
    std::iota(pos.begin(), pos.end(), static_cast<index_t>(b));
    return pos;
}

// The codensity of the points of one part (see part_result).
template <class T>
part_result<T> codensity_part(const points_view<T>& X, std::size_t k, std::size_t part, std::size_t parts,
                              const exec_policy& policy) {
    check_points(X, policy);
    check_k(static_cast<std::int64_t>(k), X.n);
    check_part(static_cast<std::int64_t>(part), static_cast<std::int64_t>(parts));
    const kdtree<T> tree(X, policy, leaf_size_for(k));
    const std::vector<index_t> only = part_positions(tree, part, parts);
    const index_t first = only.empty() ? 0 : only.front();
    part_result<T> out;
    out.queries.resize(only.size());
    out.codensity.resize(only.size());
    for_each_knn(tree, k, policy, [&](std::size_t pos, knn_buffer<T>& nearest) {
        const auto row = pos - static_cast<std::size_t>(first);
        out.queries[row] = tree.original(pos);
        out.codensity[row] = std::sqrt(nearest.kth());
    }, std::numeric_limits<T>::infinity(), &only);
    return out;
}

// The k nearest neighbours of the points of one part (see part_result).
template <class T>
part_result<T> knn_part(const points_view<T>& X, std::size_t k, std::size_t part, std::size_t parts,
                        const exec_policy& policy) {
    check_points(X, policy);
    check_k(static_cast<std::int64_t>(k), X.n);
    check_part(static_cast<std::int64_t>(part), static_cast<std::int64_t>(parts));
    const kdtree<T> tree(X, policy, leaf_size_for(k));
    const std::vector<index_t> only = part_positions(tree, part, parts);
    check_knn_memory(only.size(), k, sizeof(T));
    const index_t first = only.empty() ? 0 : only.front();
    part_result<T> out;
    out.queries.resize(only.size());
    out.indices.resize(only.size() * k);
    out.distances.resize(only.size() * k);
    for_each_knn(tree, k, policy, [&](std::size_t pos, knn_buffer<T>& nearest) {
        const auto row = pos - static_cast<std::size_t>(first);
        out.queries[row] = tree.original(pos);
        using R = typename knn_buffer<T>::R;
        const auto* items = nearest.sorted();
        for (std::size_t j = 0; j < k; ++j) {
            out.indices[row * k + j] = R::index(items[j]);
            out.distances[row * k + j] = std::sqrt(R::dist2(items[j]));
        }
    }, std::numeric_limits<T>::infinity(), &only);
    return out;
}

template <class T>
struct core_result {
    std::vector<index_t> indices;  // densest first, ties by index
    std::vector<T> codensity;      // of each core point
};

// The `count` points of smallest codensity, ties broken by index, in that order,
// with their codensity: the dense core X(k, p) of Carlsson et al. with
// count = ceil(p n).
//
// Only the core needs exact codensities. A sample of the points, spread over
// the tree, gives a radius a little above the core's codensity quantile; every
// search is then limited to that radius, so a sparse point stops once its
// radius ball is searched instead of growing to its k-th neighbour, which in
// 8-D would touch several times more leaves. A point with k neighbours inside
// the radius has its exact codensity; any other lies beyond the radius, so is
// sparser than all of those. Should fewer than `count` points fall inside,
// the rest are searched without a limit. The core is exact either way. A
// caller's `radius` (tests force each path with it) replaces the sample's.
template <class T>
core_result<T> dense_core(const points_view<T>& X, std::size_t k, std::size_t count, const exec_policy& policy,
                          double radius = -1) {
    check_points(X, policy);
    check_k(static_cast<std::int64_t>(k), X.n);
    if (count < 1 || count > X.n)
        throw std::invalid_argument("the core size must be between 1 and n=" + std::to_string(X.n) + ", got " +
                                    std::to_string(count));
    const std::size_t n = X.n;
    const kdtree<T> tree(X, policy, leaf_size_for(k));
    const T inf = std::numeric_limits<T>::infinity();
    std::vector<T> rho2(n, inf);  // by tree position; inf: beyond the bound
    auto keep = [&](std::size_t pos, knn_buffer<T>& nearest) {
        if (nearest.full()) rho2[pos] = nearest.kth();
    };

    T bound = inf;
    const double share = static_cast<double>(count) / static_cast<double>(n);
    std::vector<index_t> rest;  // tree positions the bounded pass searches (empty: all)
    if (radius >= 0) {
        bound = static_cast<T>(radius * radius);
    } else if (n >= 3200 && share < 0.75) {
        // The share's quantile of m points spread over the tree, plus three standard
        // errors and 1%. A pilot of m/8 unlimited searches bounds the sample's own
        // searches first, since a sparse point's full search costs the most.
        std::vector<char> searched(n, 0);
        auto quantile = [&](std::size_t m, double extra, T limit) {
            std::vector<index_t> at_pos;
            for (std::size_t j = 0; j < m; ++j) {
                const std::size_t pos = j * n / m + n / (2 * m);
                if (!searched[pos]) searched[pos] = 1, at_pos.push_back(static_cast<index_t>(pos));
            }
            for_each_knn(tree, k, policy, keep, limit, &at_pos);
            std::vector<T> v;
            for (index_t pos : at_pos) v.push_back(rho2[static_cast<std::size_t>(pos)]);
            const double q = std::min(1.0, share + 3.0 * std::sqrt(share * (1 - share) / static_cast<double>(v.size())) + extra);
            const auto at = std::min(v.size() - 1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))));
            std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(at), v.end());
            return std::min(v[at], limit);  // inf (beyond the limit) gives the limit back
        };
        const std::size_t m = std::min<std::size_t>(2000, n / 16);
        bound = quantile(m, 0.01, quantile(m / 8, 0.1, inf));
        // Every point searched so far is decided: exact, or beyond a limit at least the bound.
        rest.reserve(n);
        for (std::size_t pos = 0; pos < n; ++pos)
            if (!searched[pos]) rest.push_back(static_cast<index_t>(pos));
    }
    // The samples' exact values stay: one beyond the bound ranks after every point
    // inside it, so it is chosen only when the points inside are too few.
    for_each_knn(tree, k, policy, keep, bound, rest.empty() ? nullptr : &rest);
    if (bound < inf) {
        const auto inside = static_cast<std::size_t>(std::count_if(rho2.begin(), rho2.end(), [&](T v) { return v <= bound; }));
        if (inside < count) {
            std::vector<index_t> unknown;
            for (std::size_t pos = 0; pos < n; ++pos)
                if (!(rho2[pos] < inf)) unknown.push_back(static_cast<index_t>(pos));
            for_each_knn(tree, k, policy, keep, inf, &unknown);
        }
    }

    std::vector<T> rho(n, inf);
    for (std::size_t pos = 0; pos < n; ++pos)
        if (rho2[pos] < inf) rho[static_cast<std::size_t>(tree.original(pos))] = std::sqrt(rho2[pos]);
    std::vector<index_t> idx;
    idx.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        if (rho[i] < inf) idx.push_back(static_cast<index_t>(i));
    auto denser = [&](index_t a, index_t b) { return rho[a] < rho[b] || (rho[a] == rho[b] && a < b); };
    std::nth_element(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(count) - 1, idx.end(), denser);
    idx.resize(count);
    std::sort(idx.begin(), idx.end(), denser);
    core_result<T> out{std::move(idx), {}};
    out.codensity.reserve(count);
    for (index_t i : out.indices) out.codensity.push_back(rho[static_cast<std::size_t>(i)]);
    return out;
}

// A graph's edges as the core passes them around: an (m, 2) row-major array
// of vertex pairs and the m lengths. radius_graph makes one, sparse Rips
// (rips.hpp) reads one, and the bindings hand it to numpy without reshaping.
template <class T>
struct edge_list {
    std::vector<index_t> pairs;  // 2 per edge: i, j
    std::vector<T> dist;
};

// A radius search's visitor: take(j, dist2) for each point j within r (closed
// ball) whose original index exceeds the query's, so each pair comes once.
template <class T, class Take>
struct later_within {
    T r2;
    index_t self;
    const index_t* order;
    Take& take;
    T bound() const { return r2; }
    template <std::size_t W>
    void visit_block(const T* d2, unsigned mask, index_t pos) {
        for (; mask; mask &= mask - 1) {
            const int t = __builtin_ctz(mask);
            if (order[pos + t] > self) take(order[pos + t], d2[t]);  // the mask holds d2 <= r2
        }
    }
};

// All pairs i < j with |x_i - x_j| <= r (closed balls, the core's threshold
// convention), sorted by (i, j). Two passes over the tree, one to count and
// one to fill, so the edge arrays are allocated once at their exact size.
template <class T>
edge_list<T> radius_graph(const points_view<T>& X, double r, const exec_policy& policy) {
    check_points(X, policy);
    if (!(r >= 0) || !std::isfinite(r))
        throw std::invalid_argument("r must be a finite distance >= 0, got " + format_number(r));
    const kdtree<T> tree(X, policy);
    const T r2 = static_cast<T>(r) * static_cast<T>(r);
    const std::size_t threads = resolve_threads(policy.n_threads);
    const index_t* order = tree.order().data();

    // The count pass stops early once the edges could not be held: a radius
    // that takes in most pairs of a large cloud fails in seconds, not after
    // hours of counting.
    constexpr double edge_bytes = 2 * sizeof(index_t) + sizeof(T);
    const std::size_t memory = available_memory();
    const std::size_t max_edges = memory ? static_cast<std::size_t>(static_cast<double>(memory) / edge_bytes) : SIZE_MAX;
    std::atomic<std::size_t> counted{0};
    std::atomic<bool> too_many{false};

    std::vector<std::size_t> offset(X.n + 1, 0);
    std::vector<std::vector<std::pair<index_t, T>>> found(threads);
    std::vector<typename kdtree<T>::probe> probes(threads, typename kdtree<T>::probe(X.d));
    edge_list<T> out;
    auto sweep = [&](bool fill) {
        dispatch_dim(X.d, [&](auto D) {
            parallel_for(policy, X.n, 512, [&](unsigned tid, std::size_t b, std::size_t e) {
                if (!fill) {
                    std::size_t block = 0;
                    for (std::size_t pos = b; pos < e && !too_many.load(std::memory_order_relaxed); ++pos) {
                        std::size_t edges = 0;
                        auto count = [&](index_t, T) { ++edges; };
                        later_within<T, decltype(count)> v{r2, order[pos], order, count};
                        probes[tid].at(tree, pos);
                        tree.template search<decltype(D)::value>(probes[tid], v);
                        offset[static_cast<std::size_t>(order[pos]) + 1] = edges;
                        block += edges;
                        if (block > 4096) {
                            if (counted.fetch_add(block) + block > max_edges) too_many = true;
                            block = 0;
                        }
                    }
                    if (counted.fetch_add(block) + block > max_edges) too_many = true;
                    return;
                }
                for (std::size_t pos = b; pos < e; ++pos) {
                    const index_t i = order[pos];
                    found[tid].clear();
                    auto keep = [&](index_t j, T d2) { found[tid].emplace_back(j, d2); };
                    later_within<T, decltype(keep)> v{r2, i, order, keep};
                    probes[tid].at(tree, pos);
                    tree.template search<decltype(D)::value>(probes[tid], v);
                    std::sort(found[tid].begin(), found[tid].end());
                    std::size_t at = offset[static_cast<std::size_t>(i)];
                    for (const auto& [j, d2] : found[tid]) {
                        out.pairs[2 * at] = i;
                        out.pairs[2 * at + 1] = j;
                        out.dist[at++] = std::sqrt(d2);
                    }
                }
            });
        });
    };
    sweep(false);
    if (too_many)
        check_memory(static_cast<double>(counted.load()) * edge_bytes,
                     "radius_graph with r = " + std::to_string(r) + " (more than " + std::to_string(counted.load()) +
                         " edges)",
                     "use a smaller r");
    std::partial_sum(offset.begin(), offset.end(), offset.begin());
    out.pairs.resize(2 * offset.back());
    out.dist.resize(offset.back());
    sweep(true);
    return out;
}

}  // namespace fasttda
