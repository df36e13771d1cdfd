// Rips persistence on a noisy circle: one long H1 bar and one essential H0
// class; the three inputs (points, matrix, edge list) and any thread count
// give the same barcodes; every H1 cocycle is a cocycle below its bar's death
// and holds the bar's birth edge; vertex births (a nonzero diagonal) follow
// the elder rule; bad parameters are refused.
#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
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

// Every H1 cocycle of r (computed on the n×n matrix D with threshold limit)
// is a cocycle on the triangles of the complex below its bar's death, with coefficients in [1, p),
// and is nonzero on an edge of the bar's birth length.
bool h1_cocycles_hold(const rips::result& r, const std::vector<double>& D, std::size_t n, std::int64_t p,
                      double limit) {
    if (r.cocycles.size() != r.dgms.size() || !r.cocycles[0].empty()) return false;
    if (r.cocycles[1].size() != r.dgms[1].size() || r.dgms[1].empty()) return false;
    const auto d32 = [&](std::size_t a, std::size_t b) { return static_cast<double>(static_cast<float>(D[a * n + b])); };
    for (std::size_t k = 0; k < r.dgms[1].size(); ++k) {
        const rips::cocycle& c = r.cocycles[1][k];
        if (c.empty() || c.size() % 3 != 0) return false;
        std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> z;
        bool birth_edge = false;
        for (std::size_t i = 0; i < c.size(); i += 3) {
            if (c[i] <= c[i + 1] || c[i + 2] < 1 || c[i + 2] >= p) return false;
            z[{c[i], c[i + 1]}] = c[i + 2];
            birth_edge |= d32(static_cast<std::size_t>(c[i]), static_cast<std::size_t>(c[i + 1])) == r.dgms[1][k].birth;
        }
        if (!birth_edge) return false;
        const auto at = [&](std::size_t a, std::size_t b) {
            const auto it = z.find({static_cast<std::int64_t>(a), static_cast<std::int64_t>(b)});
            return it == z.end() ? std::int64_t(0) : it->second;
        };
        for (std::size_t a = 0; a < n; ++a)
            for (std::size_t b = 0; b < a; ++b)
                for (std::size_t e = 0; e < b; ++e) {
                    const double diam = std::max({d32(a, b), d32(a, e), d32(b, e)});
                    if (!(diam < r.dgms[1][k].death) || diam > limit) continue;
                    if (((at(a, b) - at(a, e) + at(b, e)) % p + p) % p != 0) return false;  // triangle e < b < a
                }
    }
    return true;
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
    // Cocycles: dense (thresh = inf), graph and point inputs, Z/2 and Z/3.
    {
        const std::size_t m = 30;
        const std::vector<double> ring = test::noisy_circle(m, 0.1, 3);
        const points_view<double> Y{ring.data(), m, 2};
        std::vector<double> D(m * m);
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < m; ++j) D[i * m + j] = std::sqrt(test::sq_dist(Y, i, j));
        for (std::int64_t coeff : {2, 3}) {
            const double inf = std::numeric_limits<double>::infinity();
            const auto dense = rips::persistence_matrix(D.data(), m, 1, inf, coeff, many, true);
            CHECK(h1_cocycles_hold(dense, D, m, coeff, inf));
            CHECK(same(sorted(dense), sorted(rips::persistence_matrix(D.data(), m, 1, inf, coeff, many))));
            CHECK(h1_cocycles_hold(rips::persistence_points(Y, 1, 1.0, coeff, many, true), D, m, coeff, 1.0));
            const auto plain = rips::persistence_points(Y, 2, 1.0, coeff, many);
            CHECK(plain.cocycles.size() == 3 && plain.cocycles[1].empty() && plain.cocycles[2].empty());
        }
    }
    // Vertex births: an edge enters after its vertices; the younger class dies.
    {
        const std::vector<double> D{0.0, 1.0, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 0.25};
        const auto r = sorted(rips::persistence_matrix(D.data(), 3, 1, std::numeric_limits<double>::infinity(), 2, one));
        CHECK(r[0].size() == 3 && r[0][0].birth == 0 && std::isinf(r[0][0].death));
        CHECK(r[0][1].birth == 0.25 && r[0][1].death == 1 && r[0][2].birth == 0.5 && r[0][2].death == 1);
        const std::vector<double> late{1.0, 2.0, 2.0, 3.0};  // the edge enters at 3, with its younger vertex
        const auto s = rips::persistence_matrix(late.data(), 2, 0, std::numeric_limits<double>::infinity(), 2, one);
        CHECK(s.dgms[0].size() == 1 && s.dgms[0][0].birth == 1 && std::isinf(s.dgms[0][0].death));
    }
    CHECK_THROWS(rips::persistence_points(X, 1, 1.0, 4, one), std::invalid_argument);   // not prime
    CHECK_THROWS(rips::persistence_points(X, 4, 1.0, 2, one), std::invalid_argument);   // maxdim
    CHECK_THROWS(rips::persistence_points(X, 1, -1.0, 2, one), std::invalid_argument);  // thresh
    CHECK_THROWS(rips::persistence_points(X, 1, std::nan(""), 2, one), std::invalid_argument);
    const std::vector<double> asym{0, 1, 2, 0};
    CHECK_THROWS(rips::persistence_matrix(asym.data(), 2, 1, 1.0, 2, one), std::invalid_argument);
    return test::failures() ? 1 : 0;
}
