// An exact kd-tree for low-dimensional clouds (d up to a few dozen).
//
// Leaves hold up to `leaf_size` points; an inner node splits its points at the
// median of the coordinate with the widest spread and keeps, for that
// coordinate, the largest value on its low side and the smallest on its high
// side. Searches carry a lower bound on the distance to the current cell that
// is updated one coordinate at a time (Arya & Mount), so a subtree is skipped
// with O(1) work. The tree keeps its own copy of the points in tree order, in
// blocks of W points stored coordinate by coordinate: a leaf scan reads
// contiguous memory and computes a block's distances in SIMD lanes, and
// queries issued in tree order touch the same leaves one after another.
// Splits fall on multiples of W where they can, so leaves start at a block.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "parallel.hpp"
#include "points.hpp"

namespace fasttda {

template <class T>
class kdtree {
public:
    struct node {
        index_t begin, end;          // points [begin, end) in tree order
        std::int32_t left, right;    // children; -1 in a leaf
        std::int32_t dim;
        T low_max, high_min;         // split coordinate: max of the low side, min of the high side
    };

    kdtree(const points_view<T>& X, const exec_policy& policy, std::size_t leaf_size = 24)
        : n_(X.n), d_(X.d), leaf_size_(std::max<std::size_t>(1, leaf_size)) {
        order_.resize(n_);
        for (std::size_t i = 0; i < n_; ++i) order_[i] = static_cast<index_t>(i);
        build(X, policy);
        blocks_.assign((n_ + W - 1) / W * W * d_, T(0));
        parallel_for(policy, (n_ + W - 1) / W, 512, [&](unsigned, std::size_t b, std::size_t e) {
            for (std::size_t p = b * W; p < std::min(n_, e * W); ++p) {
                const T* src = X.row(static_cast<std::size_t>(order_[p]));
                T* at = blocks_.data() + p / W * W * d_ + p % W;
                for (std::size_t j = 0; j < d_; ++j) at[j * W] = src[j];
            }
        });
    }

    static constexpr std::size_t W = 8;  // points per block
    using V = typename simd<T>::type;

    std::size_t size() const { return n_; }
    std::size_t dims() const { return d_; }
    // Copies the coordinates of the point at tree position pos into out (d values).
    void get(std::size_t pos, T* out) const {
        const T* at = blocks_.data() + pos / W * W * d_ + pos % W;
        for (std::size_t j = 0; j < d_; ++j) out[j] = at[j * W];
    }
    index_t original(std::size_t pos) const { return order_[pos]; }
    const std::vector<index_t>& order() const { return order_; }
    // The nodes (node 0 is the root) and the blocks, for benchmarks that replay a search.
    const std::vector<node>& nodes() const { return nodes_; }
    const T* blocks() const { return blocks_.data(); }
    std::size_t memory_bytes() const {
        return blocks_.size() * sizeof(T) + order_.size() * sizeof(index_t) + nodes_.size() * sizeof(node);
    }

    // One search's scratch, one per thread: the query point, its coordinates
    // in SIMD lanes (every block of a leaf scan reads them) and the offsets of
    // the cell bound, one per coordinate.
    class probe {
    public:
        explicit probe(std::size_t d) : x_(d), lanes_(d), offsets_(d, T(0)) {}
        // Sets the query to the point at tree position pos of `tree`.
        void at(const kdtree& tree, std::size_t pos) {
            tree.get(pos, x_.data());
            for (std::size_t j = 0; j < x_.size(); ++j) lanes_[j] = V{} + x_[j];
        }

    private:
        friend class kdtree;
        std::vector<T> x_;
        std::vector<V> lanes_;
        std::vector<T> offsets_;  // zero between searches
    };

    // Visits every point whose squared distance to the probe's point may be
    // below v.bound(): for each block of W points of a leaf not pruned that
    // holds one, v.visit_block<W>(dist2, mask, pos) gets their squared
    // distances, the tree position of the first, and a mask of those within
    // v.bound(). A subtree is pruned once its lower bound exceeds v.bound(),
    // which may shrink between blocks but never grow.
    template <int D, class Visitor>
    void search(probe& p, Visitor& v) const {
        search_node<D>(0, p, T(0), v);
    }

private:
    // A leaf's blocks, in order (a function of its own: its scratch stays off
    // the recursion's frames).
    template <int D, class Visitor>
    [[gnu::noinline]] void scan_leaf(const node& nd, probe& p, Visitor& v) const {
        // Blocks' distances in SIMD lanes, up to `chunk` blocks at a time:
        // first every block's distances and one bit per block with a lane
        // within the bound, then a visit of those blocks alone, each
        // masked again by the bound as it is then (it only shrinks, so
        // the visits are those of a block-by-block scan). Branching on
        // each block's mask as it came mispredicted on every block with a
        // candidate: one query in ~15 (benchmarks/knn_query_split.cpp).
        const std::size_t dims = D > 0 ? std::size_t(D) : d_;
        const auto w = static_cast<index_t>(W);
        constexpr std::size_t chunk = 32;
        alignas(32) T d2[chunk * W];
        for (index_t b0 = nd.begin / w * w; b0 < nd.end; b0 += static_cast<index_t>(chunk) * w) {
            const auto count = static_cast<std::size_t>(std::min<index_t>(static_cast<index_t>(chunk), (nd.end - b0 + w - 1) / w));
            const T bound = v.bound();
            std::uint32_t live = 0;
            for (std::size_t u = 0; u < count; ++u) {
                V acc[W / lanes<T>];
                block_dist2<W>(p.lanes_.data(), blocks_.data() + (static_cast<std::size_t>(b0) + u * W) * dims, dims, acc);
                std::memcpy(d2 + u * W, acc, sizeof acc);
                live |= std::uint32_t(within<W>(acc, bound) != 0) << u;
            }
            for (; live; live &= live - 1) {
                const auto u = static_cast<std::size_t>(__builtin_ctz(live));
                const index_t b = b0 + static_cast<index_t>(u) * w;
                V acc[W / lanes<T>];
                std::memcpy(acc, d2 + u * W, sizeof acc);
                const index_t first = std::max<index_t>(0, nd.begin - b), last = std::min(w, nd.end - b);
                const unsigned mask = within<W>(acc, v.bound()) & ((1u << last) - (1u << first));
                if (mask) v.template visit_block<W>(d2 + u * W, mask, b);
            }
        }
    }

    template <int D, class Visitor>
    void search_node(std::int32_t id, probe& p, T lower, Visitor& v) const {
        const node& nd = nodes_[id];
        if (nd.left < 0) {
            scan_leaf<D>(nd, p, v);
            return;
        }
        const T* q = p.x_.data();
        T* offsets = p.offsets_.data();
        const T x = q[nd.dim];
        const T to_low = x - nd.low_max;     // > 0: q lies above the low side
        const T to_high = nd.high_min - x;   // > 0: q lies below the high side
        std::int32_t near, far;
        T gap;
        if (to_low < to_high) {  // nearer the low side
            near = nd.left, far = nd.right, gap = to_high;
        } else {
            near = nd.right, far = nd.left, gap = to_low;
        }
        search_node<D>(near, p, lower, v);
        const T old = offsets[nd.dim];
        const T now = gap > 0 ? gap * gap : T(0);
        const T far_lower = lower - old + now;
        if (far_lower <= v.bound()) {
            offsets[nd.dim] = now;
            search_node<D>(far, p, far_lower, v);
            offsets[nd.dim] = old;
        }
    }

    struct pending {
        std::int32_t slot;
        index_t begin, end;
    };

    // The top levels are split here, on the calling thread; the subtrees below
    // them are built in parallel and grafted in. The split rule is the same at
    // every level, so the tree does not depend on the thread count.
    void build(const points_view<T>& X, const exec_policy& policy) {
        std::vector<pending> todo;
        split_top(X, 0, static_cast<index_t>(n_), 0, todo);
        std::vector<std::vector<node>> parts(todo.size());
        parallel_for(policy, todo.size(), 1, [&](unsigned, std::size_t b, std::size_t e) {
            for (std::size_t t = b; t < e; ++t) build_subtree(X, todo[t].begin, todo[t].end, parts[t]);
        });
        for (std::size_t t = 0; t < todo.size(); ++t) {
            const auto base = static_cast<std::int32_t>(nodes_.size());
            for (node nd : parts[t]) {
                if (nd.left >= 0) nd.left += base, nd.right += base;
                nodes_.push_back(nd);
            }
            nodes_[todo[t].slot] = nodes_[base];
        }
    }

    static constexpr int top_depth = 6;  // 64 subtrees to share among the threads

    std::int32_t split_top(const points_view<T>& X, index_t b, index_t e, int depth, std::vector<pending>& todo) {
        const auto id = static_cast<std::int32_t>(nodes_.size());
        nodes_.push_back(node{b, e, -1, -1, 0, 0, 0});
        if (depth == top_depth) {
            todo.push_back({id, b, e});
            return id;
        }
        index_t mid;
        node nd = nodes_[id];
        if (!split(X, nd, mid)) return id;
        nd.left = split_top(X, b, mid, depth + 1, todo);
        nd.right = split_top(X, mid, e, depth + 1, todo);
        nodes_[id] = nd;
        return id;
    }

    std::int32_t build_subtree(const points_view<T>& X, index_t b, index_t e, std::vector<node>& out) {
        const auto id = static_cast<std::int32_t>(out.size());
        out.push_back(node{b, e, -1, -1, 0, 0, 0});
        index_t mid;
        node nd = out[id];
        if (!split(X, nd, mid)) return id;
        nd.left = build_subtree(X, b, mid, out);
        nd.right = build_subtree(X, mid, e, out);
        out[id] = nd;
        return id;
    }

    // Chooses the split of nd's points, reorders order_[begin, end) around it
    // and returns false when nd stays a leaf (small, or all points equal).
    bool split(const points_view<T>& X, node& nd, index_t& mid) {
        const auto count = static_cast<std::size_t>(nd.end - nd.begin);
        if (count <= leaf_size_) return false;
        index_t* idx = order_.data();  // subtrees own disjoint ranges of it
        std::vector<T> lo(X.row(idx[nd.begin]), X.row(idx[nd.begin]) + d_), hi(lo);
        for (index_t p = nd.begin + 1; p < nd.end; ++p) {
            const T* r = X.row(static_cast<std::size_t>(idx[p]));
            for (std::size_t j = 0; j < d_; ++j) lo[j] = std::min(lo[j], r[j]), hi[j] = std::max(hi[j], r[j]);
        }
        std::size_t dim = 0;
        for (std::size_t j = 1; j < d_; ++j)
            if (hi[j] - lo[j] > hi[dim] - lo[dim]) dim = j;
        if (!(hi[dim] > lo[dim])) return false;  // duplicates only
        // The median, moved down to a block boundary once both halves hold a block.
        mid = nd.begin + static_cast<index_t>(count / 2 >= W ? count / 2 / W * W : count / 2);
        auto coord = [&](index_t i) { return X.data[static_cast<std::size_t>(i) * d_ + dim]; };
        std::nth_element(idx + nd.begin, idx + mid, idx + nd.end,
                         [&](index_t a, index_t b) { return coord(a) < coord(b); });
        T low_max = coord(idx[nd.begin]);
        for (index_t p = nd.begin + 1; p < mid; ++p) low_max = std::max(low_max, coord(idx[p]));
        nd.dim = static_cast<std::int32_t>(dim);
        nd.low_max = low_max;
        nd.high_min = coord(idx[mid]);
        return true;
    }

    std::size_t n_, d_, leaf_size_;
    std::vector<index_t> order_;  // order_[pos]: the original index of the point at tree position pos
    std::vector<T> blocks_;       // the points in tree order, W per block, coordinate by coordinate
    std::vector<node> nodes_;
};

}  // namespace fasttda
