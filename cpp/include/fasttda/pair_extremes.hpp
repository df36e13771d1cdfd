// The closest and the farthest pair of a point cloud, as squared distances
// computed the way Prim's tree computes them (dist2: the coordinates summed in
// order), so they equal the shortest edge of the minimum spanning tree and the
// squared diameter that Prim reports. The first-gap cut of single linkage
// needs only these two and the components at a few heights (clustering.hpp).
//
// Both prune with bounds that hold for the rounded sums, not only for the exact
// distances: a bound's slack covers float rounding, so the answers are exact.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "box_tree.hpp"
#include "parallel.hpp"
#include "points.hpp"

namespace fasttda {

// The smallest squared distance between two of P's points (0 for a repeated
// point). The points are bucketed in a grid over their two widest coordinates
// (by variance; about m cells of side g, a counting sort row by row), kept
// packed coordinate by coordinate, and each point is compared with the points
// in the cells within the best distance so far of its own (a pair that far
// apart in one coordinate is farther apart in all, with 2^-12 of slack for
// rounding and one cell for the rounding of the cell numbers, as in
// components_within): the cells of one grid row form one contiguous window.
// Against a sweep along one coordinate, 2.9 times fewer pairs on Mapper's
// preimages of filter-like points. P.n >= 2.
template <int D, class T>
T closest_pair2(const points_view<T>& P, cancel_flag cancel = nullptr) {
    const std::size_t m = P.n, d = D > 0 ? static_cast<std::size_t>(D) : P.d;
    std::size_t c1 = 0, c2 = d > 1 ? 1 : 0;
    double x0 = 0, y0 = 0, span1 = 0, span2 = 0;
    {
        std::vector<double> sum(d, 0), sq(d, 0), lo(d, std::numeric_limits<double>::infinity()),
            hi(d, -std::numeric_limits<double>::infinity()), var(d);
        for (std::size_t u = 0; u < m; ++u)
            for (std::size_t j = 0; j < d; ++j) {
                const double x = static_cast<double>(P.row(u)[j]);
                sum[j] += x, sq[j] += x * x, lo[j] = std::min(lo[j], x), hi[j] = std::max(hi[j], x);
            }
        for (std::size_t j = 0; j < d; ++j) var[j] = sq[j] - sum[j] * sum[j] / static_cast<double>(m);
        if (d > 1 && var[c2] > var[c1]) std::swap(c1, c2);
        for (std::size_t j = 2; j < d; ++j) {
            if (var[j] > var[c1]) c2 = c1, c1 = j;
            else if (var[j] > var[c2]) c2 = j;
        }
        x0 = lo[c1], y0 = lo[c2], span1 = hi[c1] - lo[c1], span2 = d > 1 ? hi[c2] - lo[c2] : 0;
    }
    // Cell side g: about m cells over the two spans, at most 2m along either.
    const double fm = static_cast<double>(m);
    const double g = std::max({std::sqrt(span1 * span2 / fm), span1 / (2 * fm), span2 / (2 * fm)});
    const std::size_t rows = g > 0 ? static_cast<std::size_t>(span1 / g) + 1 : 1;
    const std::size_t cols = g > 0 ? static_cast<std::size_t>(span2 / g) + 1 : 1;
    auto cell_of = [&](const T* r) {
        if (!(g > 0)) return std::size_t(0);
        const std::size_t i = std::min(rows - 1, static_cast<std::size_t>((static_cast<double>(r[c1]) - x0) / g));
        const std::size_t j = std::min(cols - 1, static_cast<std::size_t>((static_cast<double>(r[c2]) - y0) / g));
        return i * cols + j;
    };
    std::vector<std::size_t> start(rows * cols + 1, 0), cell(m);
    for (std::size_t u = 0; u < m; ++u) ++start[(cell[u] = cell_of(P.row(u))) + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    std::vector<T> coord(m * d);  // coord[j * m + s]: coordinate j of slot s, in the order of the cells
    {
        std::vector<std::size_t> at(start.begin(), start.end() - 1);
        for (std::size_t u = 0; u < m; ++u) {
            const std::size_t s = at[cell[u]]++;
            for (std::size_t j = 0; j < d; ++j) coord[j * m + s] = P.row(u)[j];
        }
    }
    // The minimum over a window in W independent lanes, vectorised as in Prim.
    constexpr std::size_t W = 8;
    T lane[W];
    std::fill(lane, lane + W, std::numeric_limits<T>::infinity());
    const T* C = coord.data();
    std::vector<T> q(d);
    auto window = [&](std::size_t a, std::size_t b) {
        T lo[W];
        std::copy(lane, lane + W, lo);
        const T* Q = q.data();
        in_lanes<W>(a, b, [&](std::size_t t, std::size_t l) {
            const T sum = column_dist2(C, m, d, t, Q);
            lo[l] = sum < lo[l] ? sum : lo[l];
        });
        std::copy(lo, lo + W, lane);
    };
    for (std::size_t s = 0; s + 1 < m; ++s) {  // neighbours in the order of the cells: a first bound
        for (std::size_t j = 0; j < d; ++j) q[j] = C[j * m + s];
        window(s + 1, s + 2);
    }
    T best = *std::min_element(lane, lane + W);
    const double tiny = 4 * static_cast<double>(std::numeric_limits<T>::min());
    std::size_t s = 0;
    for (std::size_t k = 0; k < rows * cols && best > 0; ++k) {
        poll(cancel, k);
        if (start[k] == start[k + 1]) continue;
        const double w = std::sqrt(std::max(static_cast<double>(best), tiny)) * (1 + 0x1p-12);
        const std::size_t r = g > 0 ? static_cast<std::size_t>(std::min(std::ceil(w / g), 4.0 * fm)) + 1 : 0;
        const std::size_t i = k / cols, j = k % cols;
        const std::size_t j0 = j > r ? j - r : 0, j1 = std::min(cols - 1, j + r);
        for (s = start[k]; s < start[k + 1]; ++s) {
            for (std::size_t t = 0; t < d; ++t) q[t] = C[t * m + s];
            window(s + 1, start[k + 1]);  // later points of its own cell; the cells after it in its row
            window(start[k + 1], start[i * cols + j1 + 1]);
            for (std::size_t i2 = i + 1; i2 <= std::min(rows - 1, i + r); ++i2)  // rows after its own
                window(start[i2 * cols + j0], start[i2 * cols + j1 + 1]);
        }
        best = *std::min_element(lane, lane + W);
    }
    return std::min(best, *std::min_element(lane, lane + W));
}

// The largest squared distance between two of P's points. A lower bound from
// two farthest-point sweeps, then only the pairs whose distances to the
// centroid could add up to more: points in decreasing distance r from the
// centroid, pair (p, q) skipped once (r_p + r_q)², with slack for the rounding
// of the sums, is at most the best so far. Few pairs on elongated clouds (a
// Mapper preimage of a curve); past 8m pairs (points near a sphere about the
// centroid, where every pair is a candidate) the rest is left to farthest-point
// queries in a box tree in up to 5 dimensions, to vectorised passes above.
// P.n >= 2.
template <int D, class T>
T farthest_pair2(const points_view<T>& P, cancel_flag cancel = nullptr) {
    const std::size_t m = P.n, d = D > 0 ? static_cast<std::size_t>(D) : P.d;
    std::vector<double> centre(d, 0), r(m, 0);
    for (std::size_t u = 0; u < m; ++u)
        for (std::size_t j = 0; j < d; ++j) centre[j] += static_cast<double>(P.row(u)[j]);
    for (double& v : centre) v /= static_cast<double>(m);
    for (std::size_t u = 0; u < m; ++u) {
        for (std::size_t j = 0; j < d; ++j) {
            const double t = static_cast<double>(P.row(u)[j]) - centre[j];
            r[u] += t * t;
        }
        r[u] = std::sqrt(r[u]);
    }
    std::vector<std::int32_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) { return r[static_cast<std::size_t>(a)] > r[static_cast<std::size_t>(b)]; });
    std::vector<T> rows(m * d);
    std::vector<double> rs(m);
    for (std::size_t s = 0; s < m; ++s) {
        const T* row = P.row(static_cast<std::size_t>(order[s]));
        std::copy(row, row + d, rows.data() + s * d);
        rs[s] = r[static_cast<std::size_t>(order[s])];
    }
    T best = 0;
    std::size_t far = 0;  // the farthest point from the farthest point from the centre
    for (std::size_t t = 1; t < m; ++t) {
        const T s2 = dist2<D>(rows.data(), rows.data() + t * d, d);
        if (s2 > best) best = s2, far = t;
    }
    for (std::size_t t = 0; t < m; ++t) best = std::max(best, dist2<D>(rows.data() + far * d, rows.data() + t * d, d));
    // A rounded sum of d squared differences exceeds the exact square by a
    // relative (d + 2)·2^-24 at most (float), plus an absolute error below the
    // smallest normal number per operation where terms underflow.
    const double rel = 1 + 0x1p-10 + static_cast<double>(d) * 0x1p-20;
    const double abs = 4 * static_cast<double>(d + 1) * static_cast<double>(std::numeric_limits<T>::min());
    auto may_exceed = [&](double bound) { return (bound * bound) * rel + abs > static_cast<double>(best); };
    std::size_t s = 0, budget = 8 * m;
    for (; s + 1 < m && may_exceed(rs[s] + rs[s + 1]) && budget > 0; ++s) {
        poll(cancel, s);
        for (std::size_t t = s + 1; t < m && may_exceed(rs[s] + rs[t]); ++t, budget -= budget > 0)
            best = std::max(best, dist2<D>(rows.data() + s * d, rows.data() + t * d, d));
    }
    if (budget > 0 || s >= m || !may_exceed(rs[s] + rs[0])) return best;
    if (d <= 5) {
        // Too many candidate pairs (points near a sphere about the centroid, a circle): in a few
        // dimensions, farthest-point queries in a box tree, which skip boxes within the best so far
        // of the query (exact: a box's farthest corner bounds the rounded sums too), from point s on.
        const box_tree<D, T> tree(P);
        std::vector<std::size_t> pos(m);
        for (std::size_t p = 0; p < m; ++p) pos[static_cast<std::size_t>(tree.local(p))] = p;
        for (; s < m && may_exceed(rs[s] + rs[0]); ++s) {
            poll(cancel, s, 64);
            tree.farthest(tree.point(pos[static_cast<std::size_t>(order[s])]), best);
        }
        return best;
    }
    // In more (a full S^7), where such a tree prunes little: the remaining candidate pairs by
    // vectorised passes over the points stored coordinate by coordinate, a maximum in W lanes as
    // in Prim (a maximum is exact in any order), each row cut where (r_s + r_t)² rules out the rest.
    const std::size_t rest = m - s;
    std::vector<T> coord(rest * d);  // coord[j * rest + u]: point s + u
    for (std::size_t u = 0; u < rest; ++u)
        for (std::size_t j = 0; j < d; ++j) coord[j * rest + u] = rows[(s + u) * d + j];
    constexpr std::size_t W = 8;
    T hi[W];
    std::fill(hi, hi + W, best);
    const T* C = coord.data();
    std::vector<T> q(d);
    for (std::size_t u = 0; u + 1 < rest && may_exceed(rs[s + u] + rs[s + u + 1]); ++u) {
        poll(cancel, u, 64);
        best = std::max(best, *std::max_element(hi, hi + W));
        const std::size_t e = static_cast<std::size_t>(
            std::partition_point(rs.begin() + static_cast<std::ptrdiff_t>(s + u + 1), rs.end(),
                                 [&](double v) { return may_exceed(rs[s + u] + v); }) - rs.begin()) - s;
        for (std::size_t j = 0; j < d; ++j) q[j] = C[j * rest + u];
        const T* Q = q.data();
        in_lanes<W>(u + 1, e, [&](std::size_t t, std::size_t l) {
            const T sum = column_dist2(C, rest, d, t, Q);
            hi[l] = sum > hi[l] ? sum : hi[l];
        });
    }
    return std::max(best, *std::max_element(hi, hi + W));
}

}  // namespace fasttda
