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

// (cube, point) memberships, sorted by cube then point.
inline std::vector<std::pair<index_t, index_t>> assign_cubes(const double* lens, std::size_t n, std::size_t dl,
                                                             const std::vector<std::vector<double>>& lower,
                                                             const std::vector<std::vector<double>>& upper,
                                                             const std::vector<index_t>& stride,
                                                             const exec_policy& policy) {
    std::vector<std::size_t> count(n + 1, 0);
    std::vector<std::size_t> first(n * dl), last(n * dl);
    std::vector<double> step(dl, 0);  // the guess at x's last interval is (x - lower[0]) / step
    for (std::size_t c = 0; c < dl; ++c)
        if (lower[c].size() > 1 && lower[c][1] > lower[c][0]) step[c] = lower[c][1] - lower[c][0];
    parallel_for(policy, n, 4096, [&](unsigned, std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            std::size_t prod = 1;
            for (std::size_t c = 0; c < dl; ++c) {
                const double x = lens[i * dl + c];
                intervals_near(x, lower[c], upper[c], step[c] > 0 ? (x - lower[c][0]) / step[c] : 0.0, first[i * dl + c],
                               last[i * dl + c]);
                prod *= last[i * dl + c] - first[i * dl + c] + 1;
            }
            count[i + 1] = prod;
        }
    });
    std::partial_sum(count.begin(), count.end(), count.begin());
    std::vector<std::pair<index_t, index_t>> pairs(count[n]);
    const index_t cubes = stride[0] * static_cast<index_t>(lower[0].size());
    parallel_for(policy, n, 4096, [&](unsigned, std::size_t b, std::size_t e) {
        std::vector<std::size_t> j(dl);
        for (std::size_t i = b; i < e; ++i) {
            for (std::size_t c = 0; c < dl; ++c) j[c] = first[i * dl + c];
            for (std::size_t at = count[i]; at < count[i + 1]; ++at) {  // odometer over the product of ranges
                index_t cube = 0;
                for (std::size_t c = 0; c < dl; ++c) cube += static_cast<index_t>(j[c]) * stride[c];
                pairs[at] = {cube, static_cast<index_t>(i)};
                for (std::size_t c = dl; c-- > 0;) {
                    if (j[c] < last[i * dl + c]) { ++j[c]; break; }
                    j[c] = first[i * dl + c];
                }
            }
        }
    });
    // Pairs come out by point; a stable counting sort by cube makes them (cube, point)
    // in linear time when the cubes are not far more than the pairs, else a plain sort.
    if (static_cast<std::size_t>(cubes) > 4 * pairs.size() + 1024) {
        std::sort(pairs.begin(), pairs.end());
        return pairs;
    }
    std::vector<std::size_t> at(static_cast<std::size_t>(cubes) + 1, 0);
    for (const auto& pr : pairs) ++at[static_cast<std::size_t>(pr.first) + 1];
    std::partial_sum(at.begin(), at.end(), at.begin());
    std::vector<std::pair<index_t, index_t>> sorted(pairs.size());
    for (const auto& pr : pairs) sorted[at[static_cast<std::size_t>(pr.first)]++] = pr;
    return sorted;
}

}  // namespace fasttda
