// The kd-tree of one Mapper preimage, with a bounding box per node; built by
// the worker that clusters the preimage, on its own copy of the points.
//
// Unlike the shared kdtree (kdtree.hpp, tuned for k-NN over a whole cloud) it
// answers the queries clustering needs: closed-ball range queries (DBSCAN),
// farthest points (the diameter a single-linkage cut scales with), and the
// nearest point of another component, skipping subtrees that lie wholly in
// the querying component (Borůvka), which needs a component label per node.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "edge.hpp"
#include "points.hpp"

namespace fasttda {

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

}  // namespace fasttda
