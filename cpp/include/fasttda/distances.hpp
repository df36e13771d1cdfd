// The distances Rips persistence reads, and the builders that make them from
// the three inputs: a point cloud, a full distance matrix, and a graph of
// edges within a threshold (sparse).
//
// The engine asks an oracle two things: the distance of a pair, and the
// candidate vertices that extend a simplex, with the simplex's largest
// distance to each (see rips.hpp). Distances are float32, as in Ripser.
//
// Threshold convention, everywhere in the core: a pair belongs to the
// complex when its float32 distance d satisfies d <= thresh (closed balls, as
// ripser.py keeps edges with d <= thresh).
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "memory.hpp"
#include "parallel.hpp"
#include "points.hpp"

namespace fasttda::rips {

using value_t = float;  // diameters, as Ripser: float32 halves memory traffic

constexpr int max_dimension = 3;
constexpr value_t inf = std::numeric_limits<value_t>::infinity();

// ------------------------------------------------------------ distance oracles

// Every pairwise distance as a full n×n float32 matrix (4 n² bytes): rows are
// contiguous, so scanning candidate cofaces reads memory linearly.
struct dense_distances {
    std::size_t n = 0;
    std::vector<value_t> d;
    std::vector<value_t> births;  // vertex birth times; empty: all 0

    value_t birth(index_t i) const { return births.empty() ? 0 : births[static_cast<std::size_t>(i)]; }

    value_t operator()(index_t i, index_t j) const { return d[static_cast<std::size_t>(i) * n + j]; }

    // f(w, max_t d(v_t, w)) for every vertex w >= lo not in v, largest w first;
    // stops when f returns false.
    template <class F>
    void candidates(const index_t* v, int k, index_t lo, F&& f) const {
        const value_t* rows[max_dimension + 2] = {};  // k >= 1 rows are set; zeroed so no compiler sees a gap
        for (int t = 0; t < k; ++t) rows[t] = d.data() + static_cast<std::size_t>(v[t]) * n;
        int m = 0;
        for (index_t w = static_cast<index_t>(n) - 1; w >= lo; --w) {
            while (m < k && v[m] > w) ++m;
            if (m < k && v[m] == w) continue;
            value_t dw = rows[0][w];
            for (int t = 1; t < k; ++t) dw = std::max(dw, rows[t][w]);
            if (!f(w, dw)) return;
        }
    }
};

// Neighbour lists (CSR, ascending, no self loops) of a graph whose edges are
// the pairs within the threshold: memory grows with the edges, not n².
struct sparse_distances {
    std::size_t n = 0;
    std::vector<std::size_t> start;  // n + 1
    std::vector<index_t> nbr;
    std::vector<value_t> dist;
    std::vector<value_t> births;  // vertex birth times; empty: all 0

    value_t birth(index_t i) const { return births.empty() ? 0 : births[static_cast<std::size_t>(i)]; }

    value_t operator()(index_t i, index_t j) const {
        if (i == j) return 0;
        const index_t* b = nbr.data() + start[i];
        const index_t* e = nbr.data() + start[i + 1];
        const index_t* p = std::lower_bound(b, e, j);
        return p != e && *p == j ? dist[p - nbr.data()] : inf;
    }

    // Common neighbours w >= lo of all v_t, largest first (a k-way merge walking
    // the lists backwards).
    template <class F>
    void candidates(const index_t* v, int k, index_t lo, F&& f) const {
        std::ptrdiff_t pos[max_dimension + 2], beg[max_dimension + 2];
        for (int t = 0; t < k; ++t) {
            beg[t] = static_cast<std::ptrdiff_t>(start[v[t]]);
            pos[t] = static_cast<std::ptrdiff_t>(start[v[t] + 1]) - 1;
        }
        for (;;) {
            if (pos[0] < beg[0]) return;
            index_t w = nbr[pos[0]];
            bool agreed = false;
            while (!agreed) {
                if (w < lo) return;
                agreed = true;
                for (int t = 0; t < k; ++t) {
                    while (pos[t] >= beg[t] && nbr[pos[t]] > w) --pos[t];
                    if (pos[t] < beg[t]) return;
                    if (nbr[pos[t]] < w) {
                        w = nbr[pos[t]];
                        agreed = false;
                        break;
                    }
                }
            }
            value_t dw = dist[pos[0]];
            for (int t = 1; t < k; ++t) dw = std::max(dw, dist[pos[t]]);
            if (!f(w, dw)) return;
            for (int t = 0; t < k; ++t) --pos[t];
        }
    }
};

// ------------------------------------------------------------------ builders

// A float32 threshold: infinity (or anything past the largest float) becomes
// the largest finite float, so infinite distances are never edges.
inline value_t as_threshold(double t) {
    if (std::isnan(t) || t < 0) throw std::invalid_argument("thresh must be a distance >= 0 (or inf), got " + format_number(t));
    return t >= static_cast<double>(std::numeric_limits<value_t>::max()) ? std::numeric_limits<value_t>::max()
                                                                        : static_cast<value_t>(t);
}
inline void check_dense(std::size_t n) {
    check_memory(static_cast<double>(n) * static_cast<double>(n) * sizeof(value_t),
                 "Rips on " + std::to_string(n) + " points with every pairwise distance (an n×n matrix)",
                 "give a finite threshold, which keeps only the pairs within it");
}
// Rejects a distance matrix that is not one; matrix is n×n row major. A
// nonzero diagonal gives vertex birth times (as ripser.py reads them): an
// edge then enters at max(d_ij, d_ii, d_jj), so every simplex comes after its
// vertices.
template <class T>
dense_distances to_dense(const T* matrix, std::size_t n, const exec_policy& policy) {
    if (n == 0) throw std::invalid_argument("the distance matrix is empty");
    check_dense(n);
    dense_distances D;
    D.n = n;
    D.d.resize(n * n);
    std::atomic<int> bad{0};  // 1 NaN, 2 negative, 4 asymmetric, 8 nonzero diagonal
    parallel_for(policy, n, 64, [&](unsigned, std::size_t b, std::size_t e) {
        int flags = 0;
        for (std::size_t i = b; i < e; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                const T x = matrix[i * n + j];
                if (std::isnan(x)) flags |= 1;
                else if (x < 0) flags |= 2;
                else if (x != matrix[j * n + i]) flags |= 4;
                else if (i == j && x != 0) flags |= 8;
                D.d[i * n + j] = static_cast<value_t>(x);
            }
        if (flags) bad.fetch_or(flags);
    });
    const int f = bad.load();
    if (f & 1) throw std::invalid_argument("the distance matrix contains NaN");
    if (f & 2) throw std::invalid_argument("the distance matrix contains negative distances");
    if (f & 4) throw std::invalid_argument("the distance matrix is not symmetric");
    if (f & 8) {
        D.births.resize(n);
        for (std::size_t i = 0; i < n; ++i) D.births[i] = D.d[i * n + i];
        parallel_for(policy, n, 64, [&](unsigned, std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i)
                for (std::size_t j = 0; j < n; ++j)
                    D.d[i * n + j] = std::max(D.d[i * n + j], std::max(D.births[i], D.births[j]));
        });
    }
    return D;
}
// All pairwise Euclidean distances of a point cloud, computed in double and
// stored as float32.
template <class T>
dense_distances point_distances(const points_view<T>& X, const exec_policy& policy) {
    check_points(X, policy);
    check_dense(X.n);
    dense_distances D;
    D.n = X.n;
    D.d.resize(X.n * X.n);
    parallel_for(policy, X.n, 32, [&](unsigned, std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i)
            for (std::size_t j = 0; j < X.n; ++j) {
                double s = 0;
                for (std::size_t c = 0; c < X.d; ++c) {
                    const double t = static_cast<double>(X.row(i)[c]) - static_cast<double>(X.row(j)[c]);
                    s += t * t;
                }
                D.d[i * X.n + j] = i == j ? 0 : static_cast<value_t>(std::sqrt(s));
            }
    });
    return D;
}

// The graph of the edges pairs[2e], pairs[2e+1] with lengths dist[e] on n
// vertices (each edge once or in both directions, with the same length), as
// sorted neighbour lists; edges longer than t are dropped (closed balls: an
// edge of length exactly t stays). A diagonal entry (a, a) is the birth time
// of vertex a, and an edge then enters at max(length, its vertices' births).
// Rejects vertices out of range, NaN, negative lengths and an edge given
// twice with different lengths.
template <class T>
sparse_distances to_sparse(std::size_t n, const index_t* pairs, const T* dist, std::size_t m, value_t t,
                           const exec_policy& policy) {
    std::vector<value_t> births;
    for (std::size_t e = 0; e < m; ++e) {
        const index_t a = pairs[2 * e], b = pairs[2 * e + 1];
        if (a < 0 || b < 0 || static_cast<std::size_t>(a) >= n || static_cast<std::size_t>(b) >= n)
            throw std::invalid_argument("an edge has a vertex outside 0..n-1");
        if (std::isnan(dist[e])) throw std::invalid_argument("the distances contain NaN");
        if (dist[e] < 0) throw std::invalid_argument("the distances contain negative values");
        if (a == b && dist[e] != 0) {
            if (births.empty()) births.assign(n, 0);
            births[static_cast<std::size_t>(a)] = static_cast<value_t>(dist[e]);
        }
    }
    const auto length = [&](std::size_t e) {
        const value_t d = static_cast<value_t>(dist[e]);
        if (births.empty()) return d;
        return std::max(d, std::max(births[static_cast<std::size_t>(pairs[2 * e])],
                                    births[static_cast<std::size_t>(pairs[2 * e + 1])]));
    };
    std::vector<std::size_t> degree(n + 1, 0);
    for (std::size_t e = 0; e < m; ++e) {
        const index_t a = pairs[2 * e], b = pairs[2 * e + 1];
        if (a == b || length(e) > t) continue;
        ++degree[a + 1];
        ++degree[b + 1];
    }
    sparse_distances S;
    S.n = n;
    S.births = std::move(births);
    S.start.assign(n + 1, 0);
    std::partial_sum(degree.begin(), degree.end(), S.start.begin());
    std::vector<std::pair<index_t, value_t>> adj(S.start.back());
    std::vector<std::size_t> fill(S.start.begin(), S.start.end() - 1);
    for (std::size_t e = 0; e < m; ++e) {
        const index_t a = pairs[2 * e], b = pairs[2 * e + 1];
        if (a == b) continue;
        const value_t d = length(e);
        if (d > t) continue;
        adj[fill[a]++] = {b, d};
        adj[fill[b]++] = {a, d};
    }
    std::vector<std::size_t>().swap(fill);
    std::atomic<bool> asymmetric{false};
    S.nbr.resize(adj.size());
    S.dist.resize(adj.size());
    std::vector<std::size_t> kept(n, 0);
    parallel_for(policy, n, 256, [&](unsigned, std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {  // sort each row, merge an edge given twice
            auto first = adj.begin() + S.start[i], last = adj.begin() + S.start[i + 1];
            std::sort(first, last);
            std::size_t out = S.start[i];
            for (auto it = first; it != last; ++it) {
                if (out > S.start[i] && S.nbr[out - 1] == it->first) {
                    if (S.dist[out - 1] != it->second) asymmetric.store(true);
                    continue;
                }
                S.nbr[out] = it->first;
                S.dist[out++] = it->second;
            }
            kept[i] = out - S.start[i];
        }
    });
    if (asymmetric) throw std::invalid_argument("an edge is given twice with different lengths (the matrix is not symmetric)");
    std::vector<std::pair<index_t, value_t>>().swap(adj);
    // Close the gaps left by merged duplicates.
    std::size_t out = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t b = S.start[i];
        S.start[i] = out;
        for (std::size_t k = 0; k < kept[i]; ++k, ++out) {
            S.nbr[out] = S.nbr[b + k];
            S.dist[out] = S.dist[b + k];
        }
    }
    S.start[n] = out;
    S.nbr.resize(out);
    S.dist.resize(out);
    return S;
}

// min over points of the largest distance from it: beyond this radius the
// complex is a cone, so no class is born or dies later (Ripser's default).
inline value_t enclosing_radius(const dense_distances& D, const exec_policy& policy) {
    std::vector<value_t> r(D.n);
    parallel_for(policy, D.n, 256, [&](unsigned, std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            value_t m = 0;
            for (std::size_t j = 0; j < D.n; ++j) m = std::max(m, D.d[i * D.n + j]);
            r[i] = m;
        }
    });
    return *std::min_element(r.begin(), r.end());
}

}  // namespace fasttda::rips
