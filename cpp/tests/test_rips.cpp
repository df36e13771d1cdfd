// Rips persistence on a noisy circle: one long H1 bar and one essential H0
// class; the three inputs (points, matrix, edge list) and any thread count
// give the same barcodes; bad parameters are refused.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "check.hpp"
#include "fasttda/rips.hpp"
#include "random_points.hpp"

using namespace fasttda;

namespace {

std::vector<std::vector<rips::bar>> sorted(rips::result r) {
    for (auto& bars : r.dgms)
        std::sort(bars.begin(), bars.end(), [](const rips::bar& a, const rips::bar& b) {
            return a.birth < b.birth || (a.birth == b.birth && a.death < b.death);
        });
    return r.dgms;
}

bool same(const std::vector<std::vector<rips::bar>>& a, const std::vector<std::vector<rips::bar>>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t d = 0; d < a.size(); ++d) {
        if (a[d].size() != b[d].size()) return false;
        for (std::size_t i = 0; i < a[d].size(); ++i)
            if (a[d][i].birth != b[d][i].birth || a[d][i].death != b[d][i].death) return false;
    }
    return true;
}

std::size_t longer_than(const std::vector<rips::bar>& bars, double length) {
    return static_cast<std::size_t>(std::count_if(bars.begin(), bars.end(), [&](const rips::bar& b) { return b.death - b.birth > length; }));
}

}  // namespace

int main() {
    const std::size_t n = 80;
    const std::vector<double> circle = test::noisy_circle(n, 0.05, 11);
    const points_view<double> X{circle.data(), n, 2};
    exec_policy one, many;
    one.n_threads = 1;
    many.n_threads = 4;

    for (std::int64_t coeff : {2, 3}) {
        const auto dense = sorted(rips::persistence_points(X, 2, std::numeric_limits<double>::infinity(), coeff, many));
        CHECK(dense.size() == 3);
        CHECK(longer_than(dense[1], 0.5) == 1);  // the circle
        CHECK(longer_than(dense[2], 0.1) == 0);
        CHECK(std::count_if(dense[0].begin(), dense[0].end(), [](const rips::bar& b) { return std::isinf(b.death); }) == 1);
        CHECK(same(dense, sorted(rips::persistence_points(X, 2, std::numeric_limits<double>::infinity(), coeff, one))));

        // The same cloud as a matrix, and as the edges within a threshold.
        std::vector<double> D(n * n);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) D[i * n + j] = std::sqrt(test::sq_dist(X, i, j));
        CHECK(same(dense, sorted(rips::persistence_matrix(D.data(), n, 2, std::numeric_limits<double>::infinity(), coeff, many))));
        const double t = 1.2;
        std::vector<index_t> pairs;
        std::vector<double> length;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < n; ++j)
                if (static_cast<float>(D[i * n + j]) <= static_cast<float>(t))
                    pairs.push_back(static_cast<index_t>(i)), pairs.push_back(static_cast<index_t>(j)), length.push_back(D[i * n + j]);
        const auto sparse = rips::persistence_sparse(n, pairs.data(), length.data(), length.size(), 2, t, coeff, many);
        CHECK(sparse.num_edges == static_cast<std::int64_t>(length.size()));
        const auto from_points = rips::persistence_points(X, 2, t, coeff, many);
        CHECK(from_points.num_edges == sparse.num_edges);
        CHECK(same(sorted(sparse), sorted(from_points)));
        CHECK(same(sorted(sparse), sorted(rips::persistence_matrix(D.data(), n, 2, t, coeff, one))));
    }
    // An edge of length exactly thresh belongs to the complex (closed balls).
    {
        const std::vector<double> line{0.0, 1.0};
        const auto r = rips::persistence_points(points_view<double>{line.data(), 2, 1}, 0, 1.0, 2, one);
        CHECK(r.num_edges == 1 && r.dgms[0].size() == 2);  // (0, 1) and the essential class
        CHECK(std::count_if(r.dgms[0].begin(), r.dgms[0].end(), [](const rips::bar& b) { return b.death == 1.0; }) == 1);
    }
    CHECK_THROWS(rips::persistence_points(X, 1, 1.0, 4, one), std::invalid_argument);   // not prime
    CHECK_THROWS(rips::persistence_points(X, 4, 1.0, 2, one), std::invalid_argument);   // maxdim
    CHECK_THROWS(rips::persistence_points(X, 1, -1.0, 2, one), std::invalid_argument);  // thresh
    CHECK_THROWS(rips::persistence_points(X, 1, std::nan(""), 2, one), std::invalid_argument);
    const std::vector<double> asym{0, 1, 2, 0};
    CHECK_THROWS(rips::persistence_matrix(asym.data(), 2, 1, 1.0, 2, one), std::invalid_argument);
    return test::failures() ? 1 : 0;
}
