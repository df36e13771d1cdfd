// The working column of the Rips reduction against brute force, on small
// dense and sparse complexes with and without distance ties: a single term
// placed at any simplex yields its first coface not earlier than it; a
// column's pivot is the earliest nonzero coface of its cochain's coboundary,
// and the coboundary of a coboundary leaves nothing (every coface walked and
// cancelled); a published column copied into another keeps its pivot,
// subtracting it leaves nothing, and a term added again after it cancelled
// out starts over.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "check.hpp"
#include "fasttda/rips_column.hpp"
#include "random_points.hpp"

using namespace fasttda;
using namespace fasttda::rips;

namespace {

// Every simplex of one dimension within the threshold, with brute-force
// diameters and coboundaries.
template <class Oracle>
struct brute {
    const Oracle& D;
    const binomials& B;
    std::size_t n;
    value_t thresh;

    value_t diameter(const std::vector<index_t>& v) const {
        value_t d = 0;
        for (std::size_t a = 0; a < v.size(); ++a)
            for (std::size_t b = a + 1; b < v.size(); ++b) d = std::max(d, D(v[a], v[b]));
        return d;
    }
    index_t index(const std::vector<index_t>& v) const {  // v largest first
        index_t idx = 0;
        for (std::size_t a = 0; a < v.size(); ++a) idx += B(v[a], static_cast<int>(v.size() - a));
        return idx;
    }
    // The simplices of `dim` in the complex (vertices largest first).
    std::vector<std::vector<index_t>> simplices(int dim) const {
        std::vector<std::vector<index_t>> out;
        std::vector<index_t> v;
        const auto rec = [&](auto&& self, index_t below) -> void {
            if (static_cast<int>(v.size()) == dim + 1) {
                if (diameter(v) <= thresh) out.push_back(v);
                return;
            }
            for (index_t w = below - 1; w >= 0; --w) {
                v.push_back(w);
                self(self, w);
                v.pop_back();
            }
        };
        rec(rec, static_cast<index_t>(n));
        return out;
    }
    entry as_entry(const std::vector<index_t>& v, coef_t c = 1) const { return {diameter(v), c, index(v)}; }

    // The coboundary of a cochain (index -> coefficient) of `dim`, restricted
    // to the complex, sorted in filtration order, zeros dropped.
    std::vector<entry> coboundary(const std::map<index_t, coef_t>& x, int dim, coef_t p) const {
        std::map<index_t, std::pair<value_t, std::uint64_t>> y;
        for (const auto& s : simplices(dim + 1)) {
            std::uint64_t sum = 0;
            for (std::size_t r = 0; r < s.size(); ++r) {  // the facet without s[r]: sign (-1)^r
                std::vector<index_t> f = s;
                f.erase(f.begin() + static_cast<std::ptrdiff_t>(r));
                const auto it = x.find(index(f));
                if (it == x.end()) continue;
                sum += (r & 1) ? (p - it->second) % p : it->second;
            }
            if (sum % p) y[index(s)] = {diameter(s), sum % p};
        }
        std::vector<entry> out;
        for (const auto& [idx, dc] : y) out.push_back({dc.first, static_cast<coef_t>(dc.second), idx});
        std::sort(out.begin(), out.end(), earlier);
        return out;
    }
};

bool same_entry(const entry& a, const entry& b) {
    if (a.index < 0 || b.index < 0) return a.index < 0 && b.index < 0;
    return a.index == b.index && a.diam == b.diam && a.coef == b.coef;
}

template <class Oracle>
std::vector<entry> sorted_edges(const brute<Oracle>& C) {
    std::vector<entry> edges;
    for (const auto& e : C.simplices(1)) edges.push_back(C.as_entry(e));
    std::sort(edges.begin(), edges.end(), earlier);
    return edges;
}

template <class Oracle>
void check_column(const Oracle& D, std::size_t n, value_t thresh, coef_t p, unsigned seed) {
    const binomials B(n, 4);
    const brute<Oracle> C{D, B, n, thresh};
    const neighbour_order order = order_neighbours(n, sorted_edges(C), B);
    cochain_column<Oracle> col(D, order, B, static_cast<index_t>(n), p), other(D, order, B, static_cast<index_t>(n), p);
    std::mt19937_64 rng(seed);

    for (int dim = 1; dim <= 2; ++dim) {
        const auto faces = C.simplices(dim);
        const auto cofaces = C.simplices(dim + 1);
        std::vector<entry> targets{cochain_column<Oracle>::beginning()};
        for (const auto& t : cofaces) targets.push_back(C.as_entry(t));

        // One term placed at every target: its first coface not before it.
        for (const auto& s : faces) {
            const entry e = C.as_entry(s);
            const std::vector<entry> cob = C.coboundary({{e.index, 1}}, dim, p);
            for (const entry& from : targets) {
                col.reset(dim);
                col.add(&e, 1, 1, from);
                const auto it = std::find_if(cob.begin(), cob.end(), [&](const entry& c) { return !earlier(c, from); });
                CHECK(same_entry(col.pivot(), it == cob.end() ? entry{0, 0, -1} : *it));
            }
        }
        if (faces.empty()) continue;

        // Random cochains: the pivot is the first nonzero coface; a
        // coboundary (of a random cochain one dimension down) has none.
        const auto edges = C.simplices(dim - 1);
        for (int trial = 0; trial < 40; ++trial) {
            std::map<index_t, coef_t> x, dx;
            for (const auto& f : edges)
                if (rng() % 3 == 0) x[C.index(f)] = static_cast<coef_t>(1 + rng() % (p - 1));
            for (const entry& c : C.coboundary(x, dim - 1, p)) dx[c.index] = c.coef;
            std::map<index_t, coef_t> y = dx;
            if (trial % 2 == 1) {  // a few more terms: now the coboundary need not vanish
                const auto& s = faces[rng() % faces.size()];
                y[C.index(s)] = static_cast<coef_t>((y[C.index(s)] + 1 + rng() % (p - 1)) % p);
                if (y[C.index(s)] == 0) y.erase(C.index(s));
            }
            std::vector<entry> terms;
            for (const auto& s : faces) {
                const auto it = y.find(C.index(s));
                if (it != y.end()) terms.push_back(C.as_entry(s, it->second));
            }
            const std::vector<entry> cob = C.coboundary(y, dim, p);
            const entry expect = cob.empty() ? entry{0, 0, -1} : cob.front();
            col.reset(dim);
            col.add(terms.data(), terms.size(), 1, cochain_column<Oracle>::beginning());
            const entry t = col.pivot();
            CHECK(same_entry(t, expect));
            if (trial % 2 == 0) CHECK(t.index < 0);
            if (t.index < 0) continue;

            // Published and copied: the same pivot, times the factor; and
            // subtracting it from the original leaves a zero coboundary.
            std::vector<coface_cursor> snap;
            col.snapshot(snap);
            other.reset(dim);
            const coef_t f = p - 1 > 1 ? 2 : 1;
            other.add(snap.data(), snap.size(), f);
            CHECK(same_entry(other.pivot(), entry{t.diam, mul_mod(t.coef, f, p), t.index}));
            col.add(snap.data(), snap.size(), p - 1);
            CHECK(col.pivot().index < 0);
            std::vector<coface_cursor> left;
            col.snapshot(left);
            CHECK(left.empty());
            // A term that dropped out comes back walked from where it is
            // added again, not from where it dropped out.
            const entry& s = terms[rng() % terms.size()];
            col.add(&s, 1, 1, cochain_column<Oracle>::beginning());
            const std::vector<entry> cs = C.coboundary({{s.index, s.coef}}, dim, p);
            CHECK(same_entry(col.pivot(), cs.empty() ? entry{0, 0, -1} : cs.front()));
        }
    }
}

}  // namespace

int main() {
    const exec_policy one{};
    for (unsigned seed = 1; seed <= 6; ++seed) {
        const std::size_t n = 9 + seed % 4;
        const bool grid = seed % 2 == 0;  // exact ties and duplicate points
        const std::vector<double> x = test::uniform<double>(n, 2, seed, grid);
        const points_view<double> X{x.data(), n, 2};
        const dense_distances D = point_distances(X, one);
        for (coef_t p : {2u, 3u, 5u}) {
            check_column(D, n, std::numeric_limits<value_t>::max(), p, seed);
            check_column(D, n, 1.2f, p, seed);  // the dense oracle under a threshold
        }
        // The sparse oracle: the pairs within a threshold.
        std::vector<index_t> pairs;
        std::vector<double> length;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < n; ++j)
                if (D(static_cast<index_t>(i), static_cast<index_t>(j)) <= 1.2f) {
                    pairs.push_back(static_cast<index_t>(i));
                    pairs.push_back(static_cast<index_t>(j));
                    length.push_back(static_cast<double>(D(static_cast<index_t>(i), static_cast<index_t>(j))));
                }
        const sparse_distances S = to_sparse(n, pairs.data(), length.data(), length.size(), 1.2f, one);
        for (coef_t p : {2u, 3u}) check_column(S, n, 1.2f, p, seed);
    }
    return test::failures() ? 1 : 0;
}
