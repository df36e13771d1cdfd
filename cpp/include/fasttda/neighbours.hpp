// Neighbourhoods of every point of a cloud: k nearest neighbours, codensity
// (distance to the k-th neighbour), dense cores and radius graphs.
//
// Every point is its own query and is never its own neighbour; another point
// at the same place is a neighbour at distance 0. Neighbours are ranked by
// (distance, original index), so results equal a brute-force scan and do not
// depend on the thread count. Queries run in tree order, in chunks, with one
// heap per thread: codensity streams and never holds the n×k neighbour table.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cmath>
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

// The k nearest points seen so far, as a max-heap on (squared distance, index).
template <class T>
class knn_heap {
public:
    struct item {
        T dist2;
        index_t index;
        bool operator<(const item& o) const { return dist2 < o.dist2 || (dist2 == o.dist2 && index < o.index); }
    };

    knn_heap(std::size_t k, const index_t* order) : k_(k), order_(order) { items_.reserve(k); }

    void reset(index_t self_pos) {
        items_.clear();
        self_ = self_pos;
        bound_ = std::numeric_limits<T>::infinity();
    }
    T bound() const { return bound_; }

    void visit(T d2, index_t pos) {
        if (d2 > bound_ || pos == self_) return;
        const item it{d2, order_[pos]};
        if (items_.size() < k_) {
            items_.push_back(it);
            std::push_heap(items_.begin(), items_.end());
            if (items_.size() == k_) bound_ = items_.front().dist2;
        } else if (it < items_.front()) {
            replace_top(it);
            bound_ = items_.front().dist2;
        }
    }

    // The k-th smallest squared distance (the heap is full after a search).
    T kth() const { return items_.front().dist2; }
    // The neighbours in increasing (distance, index) order; the heap is spent.
    const std::vector<item>& sorted() {
        std::sort_heap(items_.begin(), items_.end());
        return items_;
    }

private:
    // Drops the largest item for `it` with one sift-down: half the work of pop + push.
    void replace_top(const item& it) {
        const std::size_t n = items_.size();
        std::size_t i = 0;
        for (;;) {
            std::size_t c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && items_[c] < items_[c + 1]) ++c;
            if (!(it < items_[c])) break;
            items_[i] = items_[c];
            i = c;
        }
        items_[i] = it;
    }

    std::size_t k_;
    const index_t* order_;
    std::vector<item> items_;
    index_t self_ = -1;
    T bound_ = std::numeric_limits<T>::infinity();
};

inline void check_k(std::size_t k, std::size_t n) {
    if (k < 1) throw std::invalid_argument("k must be at least 1, got " + std::to_string(k));
    if (k >= n)
        throw std::invalid_argument("k must be smaller than the number of points (k=" + std::to_string(k) +
                                    ", n=" + std::to_string(n) + "): a point is not its own neighbour");
}

// Larger k visits more points per query: bigger leaves then cost less in tree
// walking than they add in distances (measured on filter-like data on S⁷).
inline std::size_t leaf_size_for(std::size_t k) { return k >= 50 ? 48 : 32; }

// Runs a k-NN search for every point, in tree order, and hands each finished
// heap to emit(tree_position, heap).
template <class T, class Emit>
void for_each_knn(const kdtree<T>& tree, std::size_t k, const exec_policy& policy, Emit&& emit) {
    const std::size_t threads = resolve_threads(policy.n_threads);
    std::vector<knn_heap<T>> heaps(threads, knn_heap<T>(k, tree.order().data()));
    std::vector<std::vector<T>> offsets(threads, std::vector<T>(tree.dims(), T(0)));
    dispatch_dim(tree.dims(), [&](auto D) {
        parallel_for(policy, tree.size(), 512, [&](unsigned tid, std::size_t b, std::size_t e) {
            knn_heap<T>& heap = heaps[tid];
            for (std::size_t pos = b; pos < e; ++pos) {
                heap.reset(static_cast<index_t>(pos));
                tree.template search<decltype(D)::value>(tree.point(pos), heap, offsets[tid].data());
                emit(pos, heap);
            }
        });
    });
}

// out[i] = distance from point i to its k-th nearest neighbour.
template <class T>
void codensity(const points_view<T>& X, std::size_t k, const exec_policy& policy, T* out) {
    check_points(X, policy);
    check_k(k, X.n);
    const kdtree<T> tree(X, policy, leaf_size_for(k));
    for_each_knn(tree, k, policy, [&](std::size_t pos, const knn_heap<T>& heap) {
        out[tree.original(pos)] = std::sqrt(heap.kth());
    });
}

// Row i of indices/distances (n×k): the k nearest neighbours of point i, nearest first.
template <class T>
void knn(const points_view<T>& X, std::size_t k, const exec_policy& policy, index_t* indices, T* distances) {
    check_points(X, policy);
    check_k(k, X.n);
    const kdtree<T> tree(X, policy, leaf_size_for(k));
    for_each_knn(tree, k, policy, [&](std::size_t pos, knn_heap<T>& heap) {
        const auto row = static_cast<std::size_t>(tree.original(pos)) * k;
        const auto& items = heap.sorted();
        for (std::size_t j = 0; j < k; ++j) {
            indices[row + j] = items[j].index;
            distances[row + j] = std::sqrt(items[j].dist2);
        }
    });
}

// The `count` points of smallest codensity, ties broken by index, in that order:
// the dense core X(k, p) of Carlsson et al. with count = ceil(p n).
template <class T>
std::vector<index_t> dense_core(const points_view<T>& X, std::size_t k, std::size_t count,
                                const exec_policy& policy) {
    if (count < 1 || count > X.n)
        throw std::invalid_argument("the core size must be between 1 and n=" + std::to_string(X.n) + ", got " +
                                    std::to_string(count));
    std::vector<T> rho(X.n);
    codensity(X, k, policy, rho.data());
    std::vector<index_t> idx(X.n);
    std::iota(idx.begin(), idx.end(), index_t(0));
    auto denser = [&](index_t a, index_t b) { return rho[a] < rho[b] || (rho[a] == rho[b] && a < b); };
    std::nth_element(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(count) - 1, idx.end(), denser);
    idx.resize(count);
    std::sort(idx.begin(), idx.end(), denser);
    return idx;
}

// All pairs i < j with |x_i - x_j| < r, sorted by (i, j). Two passes over the
// tree, one to count and one to fill, so the edge arrays are allocated once at
// their exact size.
template <class T>
struct edge_list {
    std::vector<index_t> pairs;  // 2 per edge: i, j
    std::vector<T> dist;
};

template <class T>
edge_list<T> radius_graph(const points_view<T>& X, double r, const exec_policy& policy) {
    check_points(X, policy);
    if (!(r >= 0) || !std::isfinite(r))
        throw std::invalid_argument("the radius must be a finite number >= 0, got " + std::to_string(r));
    const kdtree<T> tree(X, policy);
    const T r2 = static_cast<T>(r) * static_cast<T>(r);
    const std::size_t threads = resolve_threads(policy.n_threads);
    const index_t* order = tree.order().data();

    struct ball {  // points closer than r with a larger original index than the query
        T r2;
        index_t self;
        const index_t* order;
        std::vector<std::pair<index_t, T>>* found;
        T bound() const { return r2; }
        void visit(T d2, index_t pos) {
            if (d2 < r2 && order[pos] > self) found->emplace_back(order[pos], d2);
        }
    };

    struct ball_count {
        T r2;
        index_t self;
        const index_t* order;
        std::size_t found = 0;
        T bound() const { return r2; }
        void visit(T d2, index_t pos) { found += d2 < r2 && order[pos] > self; }
    };

    // The count pass stops early once the edges could not be held: a radius
    // that takes in most pairs of a large cloud fails in seconds, not after
    // hours of counting.
    constexpr double edge_bytes = 2 * sizeof(index_t) + sizeof(T);
    const std::size_t memory = available_memory();
    const std::size_t max_edges = memory ? static_cast<std::size_t>(memory / edge_bytes) : SIZE_MAX;
    std::atomic<std::size_t> counted{0};
    std::atomic<bool> too_many{false};

    std::vector<std::size_t> offset(X.n + 1, 0);
    std::vector<std::vector<std::pair<index_t, T>>> found(threads);
    std::vector<std::vector<T>> offsets(threads, std::vector<T>(X.d, T(0)));
    edge_list<T> out;
    auto sweep = [&](bool fill) {
        dispatch_dim(X.d, [&](auto D) {
            parallel_for(policy, X.n, 512, [&](unsigned tid, std::size_t b, std::size_t e) {
                if (!fill) {
                    std::size_t block = 0;
                    for (std::size_t pos = b; pos < e && !too_many.load(std::memory_order_relaxed); ++pos) {
                        ball_count v{r2, order[pos], order};
                        tree.template search<decltype(D)::value>(tree.point(pos), v, offsets[tid].data());
                        offset[static_cast<std::size_t>(order[pos]) + 1] = v.found;
                        block += v.found;
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
                    ball v{r2, i, order, &found[tid]};
                    tree.template search<decltype(D)::value>(tree.point(pos), v, offsets[tid].data());
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
