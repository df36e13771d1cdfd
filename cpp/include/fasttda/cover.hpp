// Mapper's cover (Singh, Mémoli & Carlsson 2007): overlapping intervals per
// lens coordinate, and the hypercubes (products of intervals) each point lies in.
//
// Lens coordinate c has k_c closed intervals of equal length L whose
// neighbours share overlap·L, so the step is s = L(1 - overlap) and
// L + (k_c - 1)s spans [min, max] exactly. "Balanced" covers do the same in
// rank space (ranks 0..n-1 of the sorted values) and map the ends back to lens
// values, so each interval holds about the same number of points. A point on a
// boundary belongs to every interval containing it; the first and last
// intervals reach to -inf/+inf and a point is always put in the last interval
// starting at or below it, so rounding can never leave a point uncovered. A
// constant coordinate gets one interval. Cubes are products of intervals,
// numbered row-major (coordinate 0 most significant).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "parallel.hpp"
#include "points.hpp"

namespace fasttda {

// Nominal interval ends of one lens coordinate.
inline void cover_coordinate(const double* lens, std::size_t n, std::size_t dl, std::size_t c, std::size_t k,
                             double overlap, bool balanced, std::vector<double>& lower, std::vector<double>& upper) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = lens[i * dl + c];
    const auto [mn, mx] = std::minmax_element(v.begin(), v.end());
    if (!(*mx > *mn)) k = 1;  // a constant coordinate: one interval
    const double lo = *mn, hi = *mx;
    if (balanced) std::sort(v.begin(), v.end());
    const double span = balanced ? static_cast<double>(n - 1) : hi - lo;
    const double L = span / (1.0 + static_cast<double>(k - 1) * (1.0 - overlap));
    const double s = L * (1.0 - overlap);
    lower.assign(k, lo), upper.assign(k, hi);
    for (std::size_t j = 0; j < k; ++j) {
        const double a = static_cast<double>(j) * s, b = a + L;
        if (balanced) {
            const auto at = [&](double r) { return v[std::min(n - 1, static_cast<std::size_t>(std::max(0.0, r)))]; };
            if (j > 0) lower[j] = at(std::ceil(a - 1e-9));
            if (j + 1 < k) upper[j] = at(std::floor(b + 1e-9));
        } else {
            if (j > 0) lower[j] = lo + a;
            if (j + 1 < k) upper[j] = lo + b;
        }
    }
    for (std::size_t j = 0; j + 1 < k; ++j) upper[j] = std::max(upper[j], lower[j + 1]);  // no gaps from rounding
}

// The intervals [first, last] of one coordinate that contain x: all whose
// closed range holds x, and always the last one starting at or below x.
inline void intervals_of(double x, const std::vector<double>& lower, const std::vector<double>& upper,
                         std::size_t& first, std::size_t& last) {
    last = static_cast<std::size_t>(std::upper_bound(lower.begin() + 1, lower.end(), x) - lower.begin()) - 1;
    first = static_cast<std::size_t>(std::lower_bound(upper.begin(), upper.end() - 1, x) - upper.begin());
    first = std::min(first, last);
}

// intervals_of from a guess at the last interval: a few steps from it when
// the guess is near (equal intervals: always), else the binary search. The
// same answer either way, since the ends are in order.
inline void intervals_near(double x, const std::vector<double>& lower, const std::vector<double>& upper, double guess,
                           std::size_t& first, std::size_t& last) {
    const std::size_t k = lower.size();
    std::size_t j = guess > 0 ? std::min(k - 1, static_cast<std::size_t>(std::min(guess, 1e18))) : 0;
    int steps = 0;
    while (j + 1 < k && lower[j + 1] <= x && ++steps <= 4) ++j;
    while (j > 0 && lower[j] > x && ++steps <= 4) --j;
    std::size_t f = j;
    if (!(f + 1 < k && upper[f] < x))
        while (f > 0 && upper[f - 1] >= x && ++steps <= 4) --f;
    if (steps > 4) return intervals_of(x, lower, upper, first, last);
    first = f, last = j;
}

// The points of each cube that holds any: cube numbers cube_of (increasing)
// and, for the q-th, members[start[q] .. start[q+1]) in point order.
inline void assign_cubes(const double* lens, std::size_t n, std::size_t dl, const std::vector<std::vector<double>>& lower,
                         const std::vector<std::vector<double>>& upper, const std::vector<index_t>& stride,
                         const exec_policy& policy, std::vector<index_t>& cube_of, std::vector<index_t>& start,
                         std::vector<index_t>& members) {
    std::vector<std::uint32_t> first(n * dl), last(n * dl);  // at most 2^24 intervals per coordinate
    std::vector<double> per(dl, 0);  // the guess at x's last interval is (x - lower[0]) / step, step = 1 / per
    for (std::size_t c = 0; c < dl; ++c)
        if (lower[c].size() > 1 && lower[c][1] > lower[c][0]) per[c] = 1 / (lower[c][1] - lower[c][0]);
    parallel_for(policy, n, 4096, [&](unsigned, std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i)
            for (std::size_t c = 0; c < dl; ++c) {
                const double x = lens[i * dl + c];
                std::size_t f = 0, l = 0;
                intervals_near(x, lower[c], upper[c], (x - lower[c][0]) * per[c], f, l);
                first[i * dl + c] = static_cast<std::uint32_t>(f), last[i * dl + c] = static_cast<std::uint32_t>(l);
            }
    });
    // Every cube of point i, by an odometer over the product of its ranges.
    std::vector<std::size_t> j(dl);
    auto each_cube = [&](std::size_t i, auto&& f) {
        for (std::size_t c = 0; c < dl; ++c) j[c] = first[i * dl + c];
        for (;;) {
            index_t cube = 0;
            for (std::size_t c = 0; c < dl; ++c) cube += static_cast<index_t>(j[c]) * stride[c];
            f(cube);
            std::size_t c = dl;
            while (c-- > 0 && j[c] == last[i * dl + c]) j[c] = first[i * dl + c];
            if (c >= dl) return;  // every coordinate wrapped: done
            ++j[c];
        }
    };
    const auto cubes = static_cast<std::size_t>(stride[0]) * lower[0].size();
    cube_of.clear(), start.assign(1, 0), members.clear();
    if (cubes > 4 * n + 1024) {  // far more cubes than points: sort the (cube, point) pairs
        std::vector<std::pair<index_t, index_t>> pairs;
        for (std::size_t i = 0; i < n; ++i) each_cube(i, [&](index_t q) { pairs.emplace_back(q, static_cast<index_t>(i)); });
        std::sort(pairs.begin(), pairs.end());
        for (std::size_t k = 0; k < pairs.size(); ++k) {
            if (k > 0 && pairs[k].first != pairs[k - 1].first) start.push_back(static_cast<index_t>(k));
            if (k == 0 || pairs[k].first != pairs[k - 1].first) cube_of.push_back(pairs[k].first);
            members.push_back(pairs[k].second);
        }
    } else {  // a counting sort by cube, points in order within each
        std::vector<index_t> at(cubes + 1, 0);
        for (std::size_t i = 0; i < n; ++i) each_cube(i, [&](index_t q) { ++at[static_cast<std::size_t>(q) + 1]; });
        std::partial_sum(at.begin(), at.end(), at.begin());
        members.resize(static_cast<std::size_t>(at[cubes]));
        for (std::size_t q = 0; q < cubes; ++q)
            if (at[q + 1] > at[q]) cube_of.push_back(static_cast<index_t>(q)), start.push_back(at[q + 1]);
        for (std::size_t i = 0; i < n; ++i)
            each_cube(i, [&](index_t q) { members[static_cast<std::size_t>(at[static_cast<std::size_t>(q)]++)] = static_cast<index_t>(i); });
    }
}

}  // namespace fasttda
