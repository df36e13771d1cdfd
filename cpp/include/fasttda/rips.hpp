// Vietoris–Rips persistence barcodes by persistent cohomology, after the ideas
// of Bauer, "Ripser" (2021): simplices are numbers in the combinatorial number
// system, coboundaries are enumerated on the fly and never stored, clearing
// skips the columns a lower dimension already paired, and zero-persistence
// apparent and emergent pairs are found without any column reduction.
//
// Filtration order: by diameter, then (for equal diameters, within one
// dimension) the larger index first. Columns of a dimension are reduced from
// the last simplex to the first; a column's pivot is its earliest coface.
//
// Threads: columns are assembled and screened for apparent pairs in parallel
// chunks, and reduced by a lock-free scheme after Morozov and Nigmetov (2020)
// with a shared pivot table. Any sequence of left-to-right column additions
// ends in the same pairs, so the barcodes do not depend on the thread count.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
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
using coef_t = std::uint32_t;

constexpr int max_dimension = 3;
constexpr value_t inf = std::numeric_limits<value_t>::infinity();

struct bar {
    double birth, death;
};

struct result {
    std::vector<std::vector<bar>> dgms;  // one per dimension, unsorted
    std::int64_t num_edges = 0;
};

// ---------------------------------------------------------------- arithmetic

inline bool is_prime(std::int64_t p) {
    if (p < 2) return false;
    for (std::int64_t q = 2; q * q <= p; ++q)
        if (p % q == 0) return false;
    return true;
}

inline coef_t inverse_mod(coef_t a, coef_t p) {  // extended Euclid; a != 0 mod p, p prime
    std::int64_t t = 0, new_t = 1, r = p, new_r = a;
    while (new_r != 0) {
        const std::int64_t q = r / new_r;
        std::tie(t, new_t) = std::make_pair(new_t, t - q * new_t);
        std::tie(r, new_r) = std::make_pair(new_r, r - q * new_r);
    }
    return static_cast<coef_t>(t < 0 ? t + p : t);
}

inline coef_t mul_mod(coef_t a, coef_t b, coef_t p) {
    return static_cast<coef_t>(static_cast<std::uint64_t>(a) * b % p);
}

inline void check_parameters(std::size_t n, int maxdim, std::int64_t coeff) {
    if (n == 0) throw std::invalid_argument("the input is empty: it has no points");
    if (maxdim < 0 || maxdim > max_dimension)
        throw std::invalid_argument("maxdim must be between 0 and 3, got " + std::to_string(maxdim));
    if (coeff >= (std::int64_t(1) << 31) || !is_prime(coeff))
        throw std::invalid_argument("coeff must be a prime number below 2^31, got " + std::to_string(coeff));
}

// ------------------------------------------------------- combinatorial numbers

// Simplex {v_k > ... > v_0} has index sum_i C(v_i, i+1). Every index of a
// complex up to dimension maxdim+1 is below C(n, maxdim+2); refuse before
// allocating anything when that does not fit in 63 bits.
inline void check_index_range(std::size_t n, int maxdim) {
    const int kmax = maxdim + 2;
    using wide = unsigned __int128;
    const wide limit = static_cast<wide>(std::numeric_limits<index_t>::max());
    wide c = 1;
    for (int j = 0; j < kmax && static_cast<std::size_t>(j) < n; ++j) {
        c = c * (n - static_cast<std::size_t>(j)) / static_cast<wide>(j + 1);  // C(n, j+1), exact
        if (c > limit)
            throw std::invalid_argument(
                "too many points for maxdim=" + std::to_string(maxdim) + ": C(" + std::to_string(n) + ", " +
                std::to_string(j + 1) + ") simplices overflow a 64-bit simplex index; lower maxdim or use fewer points");
    }
}

class binomials {
public:
    binomials(std::size_t n, int kmax) : n_(n + 1), b_((kmax + 1) * (n + 1), 0) {
        for (std::size_t m = 0; m <= n; ++m) {
            at(m, 0) = 1;
            for (int k = 1; k <= kmax; ++k)
                at(m, k) = m == 0 ? 0 : at(m - 1, k - 1) + at(m - 1, k);
        }
    }
    index_t operator()(index_t m, int k) const { return b_[static_cast<std::size_t>(k) * n_ + m]; }

    // The largest v < top with C(v, k) <= idx.
    index_t max_vertex(index_t idx, int k, index_t top) const {
        const index_t* row = b_.data() + static_cast<std::size_t>(k) * n_;
        index_t lo = k - 1, hi = top;  // C(lo, k) = 0 <= idx; answer in [lo, hi)
        while (hi - lo > 1) {
            const index_t mid = lo + (hi - lo) / 2;
            if (row[mid] <= idx) lo = mid; else hi = mid;
        }
        return lo;
    }

private:
    index_t& at(std::size_t m, int k) { return b_[static_cast<std::size_t>(k) * n_ + m]; }
    std::size_t n_;
    std::vector<index_t> b_;
};

// A simplex of the filtration, or a term of a cochain with its coefficient.
struct entry {
    value_t diam;
    coef_t coef;
    index_t index;
};

// a comes before b in the filtration (one dimension).
inline bool earlier(const entry& a, const entry& b) {
    return a.diam < b.diam || (a.diam == b.diam && a.index > b.index);
}

// ------------------------------------------------------------ distance oracles

// Every pairwise distance as a full n×n float32 matrix (4 n² bytes): rows are
// contiguous, so scanning candidate cofaces reads memory linearly.
struct dense_distances {
    std::size_t n = 0;
    std::vector<value_t> d;

    value_t operator()(index_t i, index_t j) const { return d[static_cast<std::size_t>(i) * n + j]; }

    // f(w, max_t d(v_t, w)) for every vertex w >= lo not in v, largest w first;
    // stops when f returns false.
    template <class F>
    void candidates(const index_t* v, int k, index_t lo, F&& f) const {
        const value_t* rows[max_dimension + 2];
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

// --------------------------------------------------------------- pivot table

// Pivot simplex index -> the column that owns it, shared by the threads of a
// reduction: open addressing with linear probing, keys claimed by
// compare-and-swap, owners changed by compare-and-swap. Sized once for the
// number of columns (a column owns at most one pivot), never rehashed.
class pivot_table {
public:
    static constexpr std::int64_t none = -1;

    explicit pivot_table(std::size_t columns = 0) {
        std::size_t cap = 16;
        while (cap < 2 * columns + 16) cap *= 2;
        keys_ = std::vector<std::atomic<index_t>>(cap);
        owners_ = std::vector<std::atomic<std::int64_t>>(cap);
        for (std::size_t i = 0; i < cap; ++i) {
            keys_[i].store(empty, std::memory_order_relaxed);
            owners_[i].store(none, std::memory_order_relaxed);
        }
        mask_ = cap - 1;
    }

    // The column owning pivot idx, or none.
    std::int64_t find(index_t idx) const {
        for (std::size_t h = hash(idx) & mask_;; h = (h + 1) & mask_) {
            const index_t k = keys_[h].load(std::memory_order_acquire);
            if (k == idx) return owners_[h].load(std::memory_order_acquire);
            if (k == empty) return none;
        }
    }

    // Makes col the owner of idx if its owner is still `expected`.
    bool claim(index_t idx, std::int64_t expected, std::int64_t col) {
        for (std::size_t h = hash(idx) & mask_;; h = (h + 1) & mask_) {
            index_t k = keys_[h].load(std::memory_order_acquire);
            if (k == empty && keys_[h].compare_exchange_strong(k, idx, std::memory_order_acq_rel)) k = idx;
            if (k == idx) return owners_[h].compare_exchange_strong(expected, col, std::memory_order_acq_rel);
        }
    }

private:
    static constexpr index_t empty = -1;
    static std::size_t hash(index_t x) {
        const std::uint64_t z = static_cast<std::uint64_t>(x) * 0x9E3779B97F4A7C15ull;
        return static_cast<std::size_t>(z ^ (z >> 29));
    }
    std::vector<std::atomic<index_t>> keys_;
    std::vector<std::atomic<std::int64_t>> owners_;
    std::size_t mask_ = 0;
};

// Sorts in parallel: fixed blocks sorted by the team, then merged pairwise.
// The order is a strict total order, so the result is unique.
template <class T, class Less>
void parallel_sort(std::vector<T>& v, Less less, const exec_policy& policy) {
    const std::size_t block = 1 << 16;
    const std::size_t blocks = (v.size() + block - 1) / block;
    if (blocks <= 1) {
        std::sort(v.begin(), v.end(), less);
        return;
    }
    parallel_for(policy, blocks, 1, [&](unsigned, std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i)
            std::sort(v.begin() + i * block, v.begin() + std::min(v.size(), (i + 1) * block), less);
    });
    for (std::size_t width = block; width < v.size(); width *= 2) {
        const std::size_t pairs = (v.size() + 2 * width - 1) / (2 * width);
        parallel_for(policy, pairs, 1, [&](unsigned, std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) {
                const std::size_t lo = i * 2 * width, mid = std::min(v.size(), lo + width),
                                  hi = std::min(v.size(), lo + 2 * width);
                std::inplace_merge(v.begin() + lo, v.begin() + mid, v.begin() + hi, less);
            }
        });
    }
}

// Runs body(begin, end) over [0, n) in parallel chunks and concatenates the
// vectors the chunks fill, in chunk order.
template <class T, class Body>
std::vector<T> parallel_collect(const exec_policy& policy, std::size_t n, std::size_t grain, Body&& body) {
    const std::size_t chunks = (n + grain - 1) / grain;
    std::vector<std::vector<T>> parts(chunks);
    parallel_for(policy, n, grain, [&](unsigned, std::size_t b, std::size_t e) { body(b, e, parts[b / grain]); });
    std::size_t total = 0;
    for (const auto& p : parts) total += p.size();
    std::vector<T> out;
    out.reserve(total);
    for (auto& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
        std::vector<T>().swap(p);
    }
    return out;
}

// ------------------------------------------------------------------ the engine

template <class Oracle>
class engine {
public:
    engine(const Oracle& dist, int maxdim, value_t threshold, coef_t p, const exec_policy& policy)
        : dist_(dist), n_(static_cast<index_t>(dist.n)), maxdim_(maxdim), thresh_(threshold), p_(p),
          policy_(policy), binom_(dist.n, maxdim + 2) {}

    result compute(std::int64_t num_edges) {
        result out;
        out.num_edges = num_edges;
        out.dgms.resize(maxdim_ + 1);
        std::vector<entry> edges = sorted_edges();
        std::vector<char> negative(edges.size(), 0);
        out.dgms[0] = union_find(edges, negative);
        if (maxdim_ == 0) return out;

        // Dimension 1: the non-negative edges, last first (already sorted).
        std::vector<entry> columns = parallel_collect<entry>(policy_, edges.size(), 4096,
            [&](std::size_t b, std::size_t e, std::vector<entry>& part) {
                index_t v[2];
                for (std::size_t r = b; r < e; ++r) {
                    const std::size_t i = edges.size() - 1 - r;
                    if (negative[i]) continue;
                    vertices(edges[i].index, 1, v);
                    if (zero_apparent_cofacet(edges[i], v, 2).index < 0) part.push_back(edges[i]);
                }
            });
        std::vector<char>().swap(negative);
        pivot_table pivots;
        std::vector<entry> simplices = std::move(edges);
        for (int dim = 1;; ++dim) {
            pivots = reduce(columns, dim, out.dgms[dim]);
            if (dim == maxdim_) break;
            assemble(simplices, columns, dim + 1, pivots);
        }
        return out;
    }

private:
    // ---- simplices

    // The dim+1 vertices of a simplex, largest first.
    void vertices(index_t idx, int dim, index_t* v) const {
        index_t top = n_;
        for (int k = dim + 1; k >= 1; --k) {
            top = binom_.max_vertex(idx, k, top);
            *v++ = top;
            idx -= binom_(top, k);
        }
    }

    // Walks the cofaces of the simplex v (k vertices, index idx, diameter diam)
    // that add a vertex w >= lo, largest index first; f(entry) returns
    // false to stop. Cofaces beyond the threshold are skipped.
    template <class F>
    void cofacets(const index_t* v, int k, index_t idx, value_t diam, index_t lo, F&& f) const {
        index_t above = 0, below = idx;
        int m = 0;
        dist_.candidates(v, k, lo, [&](index_t w, value_t dw) {
            const value_t d = std::max(diam, dw);
            if (d > thresh_) return true;
            while (m < k && v[m] > w) {
                above += binom_(v[m], k + 1 - m);
                below -= binom_(v[m], k - m);
                ++m;
            }
            const entry e{d, (m & 1) ? p_ - 1 : 1, above + binom_(w, k + 1 - m) + below};
            return f(e);
        });
    }

    // The earliest coface with the simplex's own diameter (largest index
    // among them: the first one walked), or index -1.
    entry first_equal_cofacet(const entry& s, const index_t* v, int k) const {
        entry found{0, 0, -1};
        index_t above = 0, below = s.index;
        int m = 0;
        dist_.candidates(v, k, 0, [&](index_t w, value_t dw) {
            if (dw > s.diam) return true;
            while (m < k && v[m] > w) {
                above += binom_(v[m], k + 1 - m);
                below -= binom_(v[m], k - m);
                ++m;
            }
            found = {s.diam, (m & 1) ? p_ - 1 : 1, above + binom_(w, k + 1 - m) + below};
            return false;
        });
        return found;
    }

    // The latest facet of the simplex u (K vertices) with its own diameter:
    // facets in increasing index order are those dropping u[0], u[1], ...
    // Returns the facet with coef = the coefficient of u in its coboundary.
    entry last_equal_facet(const entry& t, const index_t* u, int K) const {
        value_t dd[max_dimension + 2][max_dimension + 2];  // each distance looked up once
        for (int a = 0; a < K; ++a)
            for (int b = a + 1; b < K; ++b) dd[a][b] = dist_(u[a], u[b]);
        for (int r = 0; r < K; ++r) {
            value_t d = 0;
            for (int a = 0; a < K; ++a)
                for (int b = a + 1; b < K; ++b)
                    if (a != r && b != r) d = std::max(d, dd[a][b]);
            if (d != t.diam) continue;
            index_t idx = 0;
            for (int a = 0; a < K; ++a)
                if (a < r) idx += binom_(u[a], K - 1 - a);
                else if (a > r) idx += binom_(u[a], K - a);
            return {d, (r & 1) ? p_ - 1 : 1, idx};
        }
        return {0, 0, -1};
    }

    // (s, t) is a zero-persistence apparent pair: t is the earliest coface of
    // s and s the latest facet of t. Such pairs are persistence pairs of any
    // reduction, so s is never reduced and t never becomes a column.
    entry zero_apparent_cofacet(const entry& s, const index_t* v, int k) const {
        const entry t = first_equal_cofacet(s, v, k);
        if (t.index < 0) return t;
        index_t u[max_dimension + 2];
        vertices(t.index, k, u);
        const entry f = last_equal_facet(t, u, k + 1);
        return f.index == s.index ? t : entry{0, 0, -1};
    }

    // The facet s of t with (s, t) a zero apparent pair, or index -1; s.coef
    // is the coefficient of t in the coboundary of s.
    entry zero_apparent_facet(const entry& t, int dim) const {
        index_t u[max_dimension + 2];
        vertices(t.index, dim, u);
        entry s = last_equal_facet(t, u, dim + 1);
        if (s.index < 0) return s;
        index_t v[max_dimension + 2];
        vertices(s.index, dim - 1, v);
        return first_equal_cofacet(s, v, dim).index == t.index ? s : entry{0, 0, -1};
    }

    // ---- dimension 0

    std::vector<entry> sorted_edges() const {
        std::vector<entry> edges = parallel_collect<entry>(policy_, dist_.n, 64,
            [&](std::size_t b, std::size_t e, std::vector<entry>& part) {
                for (std::size_t i = b; i < e; ++i) {
                    const index_t base = binom_(static_cast<index_t>(i), 2);
                    const index_t v[1] = {static_cast<index_t>(i)};
                    dist_.candidates(v, 1, 0, [&](index_t j, value_t d) {
                        if (j >= static_cast<index_t>(i)) return true;
                        if (d <= thresh_) part.push_back({d, 1, base + j});
                        return true;
                    });
                }
            });
        parallel_sort(edges, earlier, policy_);
        return edges;
    }

    // H0 by Kruskal over the edges in filtration order. An edge joining two
    // components is negative: it kills a class and is cleared in dimension 1.
    std::vector<bar> union_find(const std::vector<entry>& edges, std::vector<char>& negative) const {
        std::vector<index_t> parent(static_cast<std::size_t>(n_));
        std::iota(parent.begin(), parent.end(), index_t(0));
        auto root = [&](index_t x) {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        };
        std::vector<bar> bars;
        index_t components = n_;
        index_t v[2];
        for (std::size_t i = 0; i < edges.size(); ++i) {
            vertices(edges[i].index, 1, v);
            const index_t a = root(v[0]), b = root(v[1]);
            if (a == b) continue;
            parent[std::max(a, b)] = std::min(a, b);
            negative[i] = 1;
            --components;
            if (edges[i].diam > 0) bars.push_back({0.0, static_cast<double>(edges[i].diam)});
        }
        for (index_t c = 0; c < components; ++c) bars.push_back({0.0, std::numeric_limits<double>::infinity()});
        return bars;
    }

    // ---- higher dimensions

    // The simplices of `dim` (each from its facet without the top vertex) that
    // still need a column: not cleared (a pivot of dim-1, or apparent with a
    // facet) and not the bottom of a zero apparent pair. Replaces `simplices`
    // with those of `dim` when a higher dimension will need them.
    void assemble(std::vector<entry>& simplices, std::vector<entry>& columns, int dim, const pivot_table& pivots) {
        const bool keep = dim < maxdim_;
        struct found {
            entry s;
            bool column;
        };
        std::vector<found> all = parallel_collect<found>(policy_, simplices.size(), 1024,
            [&](std::size_t b, std::size_t e, std::vector<found>& part) {
                index_t v[max_dimension + 2], u[max_dimension + 2];
                for (std::size_t i = b; i < e; ++i) {
                    vertices(simplices[i].index, dim - 1, v);
                    cofacets(v, dim, simplices[i].index, simplices[i].diam, v[0] + 1, [&](const entry& t) {
                        entry s{t.diam, 1, t.index};
                        bool column = pivots.find(s.index) == pivot_table::none && zero_apparent_facet(s, dim).index < 0;
                        if (column) {
                            vertices(s.index, dim, u);
                            column = zero_apparent_cofacet(s, u, dim + 1).index < 0;
                        }
                        if (column || keep) part.push_back({s, column});
                        return true;
                    });
                }
            });
        columns.clear();
        std::vector<entry> next;
        for (const auto& f : all) {
            if (f.column) columns.push_back(f.s);
            if (keep) next.push_back(f.s);
        }
        std::vector<found>().swap(all);
        simplices = std::move(next);
        parallel_sort(columns, [](const entry& a, const entry& b) { return earlier(b, a); }, policy_);
    }

    // A column under reduction: its cochain's coboundary as a heap whose top
    // is the earliest coface, and the cochain itself (the simplices added).
    // An emergent candidate has its pivot set and no heap yet.
    struct working {
        std::vector<entry> heap;
        std::vector<entry> cochain;
        entry pivot{0, 0, -1};
        bool lazy() const { return pivot.index >= 0 && heap.empty(); }
    };

    // A published state of a column: immutable, so other threads may add it
    // while its owner moves on to a newer one.
    struct state {
        std::vector<entry> cochain;
        entry pivot;  // index -1: the coboundary is zero
    };

    struct heap_less {  // a functor, so the heap operations inline it
        bool operator()(const entry& a, const entry& b) const { return earlier(b, a); }
    };

    void push(working& w, const entry& e) const {
        w.heap.push_back(e);
        std::push_heap(w.heap.begin(), w.heap.end(), heap_less{});
    }

    // Pops the earliest coface with a nonzero summed coefficient and leaves it
    // on the heap; index -1 when the coboundary is zero.
    entry pop_pivot(working& w) const {
        auto& h = w.heap;
        while (!h.empty()) {
            entry top = h.front();
            std::pop_heap(h.begin(), h.end(), heap_less{});
            h.pop_back();
            std::uint64_t c = top.coef;
            while (!h.empty() && h.front().index == top.index) {
                c += h.front().coef;
                std::pop_heap(h.begin(), h.end(), heap_less{});
                h.pop_back();
            }
            top.coef = static_cast<coef_t>(c % p_);
            if (top.coef != 0) {
                push(w, top);
                return top;
            }
        }
        return {0, 0, -1};
    }

    // Adds factor × (coboundary of the cochain `terms`) to w. Cofaces earlier
    // than `from` are skipped: when the cochain is a reduced column with pivot
    // `from`, they sum to zero over its terms, and w has none left there.
    void add(working& w, const entry* terms, std::size_t count, coef_t factor, int dim,
             const entry& from = {0, 0, std::numeric_limits<index_t>::max()}) const {
        index_t v[max_dimension + 2];
        for (std::size_t i = 0; i < count; ++i) {
            const coef_t c = mul_mod(terms[i].coef, factor, p_);
            w.cochain.push_back({terms[i].diam, c, terms[i].index});
            vertices(terms[i].index, dim, v);
            cofacets(v, dim + 1, terms[i].index, terms[i].diam, 0, [&](entry e) {
                if (earlier(e, from)) return true;
                e.coef = mul_mod(e.coef, c, p_);
                push(w, e);
                return true;
            });
        }
    }

    // Starts column s: when its earliest coface has its own diameter and
    // nobody owns it, there is nothing to reduce (an emergent pair) unless a
    // concurrent column claims it first; else the whole coboundary on the heap.
    void start_column(working& w, const entry& s, int dim, const pivot_table& pivots) const {
        index_t v[max_dimension + 2];
        vertices(s.index, dim, v);
        w.cochain.assign(1, {s.diam, 1, s.index});
        w.heap.clear();
        w.pivot = {0, 0, -1};
        const entry t = first_equal_cofacet(s, v, dim + 1);
        if (t.index >= 0 && pivots.find(t.index) == pivot_table::none && zero_apparent_facet(t, dim + 1).index < 0) {
            w.pivot = t;
            return;
        }
        cofacets(v, dim + 1, s.index, s.diam, 0, [&](const entry& e) {
            w.heap.push_back(e);
            return true;
        });
        std::make_heap(w.heap.begin(), w.heap.end(), heap_less{});
    }

    // The emergent shortcut did not hold: put the whole coboundary on the heap.
    void expand(working& w, int dim) const {
        std::vector<entry> terms;
        terms.swap(w.cochain);
        w.pivot = {0, 0, -1};
        add(w, terms.data(), terms.size(), 1, dim);
    }

    // Merges repeated simplices of a cochain (sorted by index, zeros dropped).
    void compact(std::vector<entry>& cochain) const {
        std::sort(cochain.begin(), cochain.end(), [](const entry& a, const entry& b) { return a.index < b.index; });
        std::size_t out = 0;
        for (std::size_t i = 0; i < cochain.size();) {
            std::uint64_t c = 0;
            std::size_t j = i;
            for (; j < cochain.size() && cochain[j].index == cochain[i].index; ++j) c += cochain[j].coef;
            if (c % p_ != 0) cochain[out++] = {cochain[i].diam, static_cast<coef_t>(c % p_), cochain[i].index};
            i = j;
        }
        cochain.resize(out);
    }

    // Shared by the threads reducing one dimension.
    struct reduction {
        const std::vector<entry>& columns;
        pivot_table pivots;
        std::vector<std::atomic<const state*>> current;  // latest published state per column
        std::vector<std::vector<std::unique_ptr<state>>> arena;  // per thread, freed at the end
    };

    const state* publish(reduction& R, unsigned tid, std::size_t col, working& w) const {
        compact(w.cochain);
        R.arena[tid].push_back(std::make_unique<state>(state{w.cochain, w.pivot}));
        const state* s = R.arena[tid].back().get();
        R.current[col].store(s, std::memory_order_release);
        return s;
    }

    // Lock-free reduction after Morozov and Nigmetov: a column whose pivot is
    // owned by an earlier column adds it; one whose pivot is owned by a later
    // column takes the pivot over and goes on reducing that later column. Only
    // earlier columns are ever added, so this is a left-to-right reduction and
    // ends in the same pairs as the sequential one.
    void reduce_column(reduction& R, unsigned tid, std::size_t col, working& w, int dim) const {
        start_column(w, R.columns[col], dim, R.pivots);
        for (;;) {
            const bool checked = w.lazy();  // start_column ruled out an apparent pair
            const entry t = checked ? w.pivot : pop_pivot(w);
            w.pivot = t;
            if (t.index < 0) {
                publish(R, tid, col, w);
                return;
            }
            const std::int64_t j = R.pivots.find(t.index);
            if (j == pivot_table::none) {
                const entry a = checked ? entry{0, 0, -1} : zero_apparent_facet(t, dim + 1);
                if (a.index >= 0) {  // owned by an apparent pair's column: add it
                    if (w.lazy()) expand(w, dim);
                    const entry one{a.diam, 1, a.index};
                    add(w, &one, 1, mul_mod(p_ - t.coef, inverse_mod(a.coef, p_), p_), dim);
                    continue;
                }
                publish(R, tid, col, w);
                if (R.pivots.claim(t.index, pivot_table::none, static_cast<std::int64_t>(col))) return;
                continue;
            }
            if (static_cast<std::size_t>(j) < col) {
                const state* s = R.current[j].load(std::memory_order_acquire);
                if (s == nullptr || s->pivot.index != t.index) continue;  // j is moving: look again
                if (w.lazy()) expand(w, dim);
                const coef_t f = mul_mod(p_ - t.coef, inverse_mod(s->pivot.coef, p_), p_);
                add(w, s->cochain.data(), s->cochain.size(), f, dim, t);
                continue;
            }
            publish(R, tid, col, w);
            if (!R.pivots.claim(t.index, j, static_cast<std::int64_t>(col))) continue;
            // col owns t now; the later column j lost its pivot: reduce it further.
            col = static_cast<std::size_t>(j);
            const state* s = R.current[col].load(std::memory_order_acquire);
            w.heap.clear();
            w.cochain.clear();
            w.pivot = {0, 0, -1};
            add(w, s->cochain.data(), s->cochain.size(), 1, dim);
        }
    }

    // Reduces the columns of `dim` (last simplex first) and appends their
    // bars; returns the pivot table, which clears the next dimension.
    pivot_table reduce(const std::vector<entry>& columns, int dim, std::vector<bar>& bars) {
        const unsigned threads = resolve_threads(policy_.n_threads);
        reduction R{columns, pivot_table(columns.size()), std::vector<std::atomic<const state*>>(columns.size()),
                    std::vector<std::vector<std::unique_ptr<state>>>(threads)};
        for (auto& c : R.current) c.store(nullptr, std::memory_order_relaxed);
        std::vector<working> work(threads);
        parallel_for(policy_, columns.size(), 1, [&](unsigned tid, std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) reduce_column(R, tid, i, work[tid], dim);
        });
        for (std::size_t i = 0; i < columns.size(); ++i) {
            const state* s = R.current[i].load(std::memory_order_acquire);
            const entry& t = s->pivot;
            if (t.index < 0)
                bars.push_back({static_cast<double>(columns[i].diam), std::numeric_limits<double>::infinity()});
            else if (t.diam > columns[i].diam)
                bars.push_back({static_cast<double>(columns[i].diam), static_cast<double>(t.diam)});
        }
        return std::move(R.pivots);
    }

    const Oracle& dist_;
    index_t n_;
    int maxdim_;
    value_t thresh_;
    coef_t p_;
    exec_policy policy_;
    binomials binom_;
};

// ------------------------------------------------------------------ front ends

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

// A float32 threshold: infinity (or anything past the largest float) becomes
// the largest finite float, so infinite distances are never edges.
inline value_t as_threshold(double t) {
    if (std::isnan(t) || t < 0) throw std::invalid_argument("thresh must be a number >= 0, got " + std::to_string(t));
    return t >= static_cast<double>(std::numeric_limits<value_t>::max()) ? std::numeric_limits<value_t>::max()
                                                                        : static_cast<value_t>(t);
}

// Barcodes of a full n×n distance matrix (symmetric, zero diagonal, checked by
// the caller). thresh = inf: the enclosing radius.
inline result persistence_dense(dense_distances D, int maxdim, double thresh, std::int64_t coeff,
                                const exec_policy& policy) {
    check_parameters(D.n, maxdim, coeff);
    check_index_range(D.n, maxdim);
    value_t t = std::isinf(thresh) && thresh > 0 ? enclosing_radius(D, policy) : as_threshold(thresh);
    t = std::min(t, std::numeric_limits<value_t>::max());
    std::atomic<std::int64_t> edges{0};
    parallel_for(policy, D.n, 256, [&](unsigned, std::size_t b, std::size_t e) {
        std::int64_t c = 0;
        for (std::size_t i = b; i < e; ++i)
            for (std::size_t j = 0; j < i; ++j) c += D.d[i * D.n + j] <= t;
        edges += c;
    });
    engine<dense_distances> eng(D, maxdim, t, static_cast<coef_t>(coeff), policy);
    return eng.compute(edges.load());
}

inline void check_dense(std::size_t n) {
    check_memory(static_cast<double>(n) * static_cast<double>(n) * sizeof(value_t),
                 "Rips on " + std::to_string(n) + " points with every pairwise distance (an n×n matrix)",
                 "give a finite threshold, which keeps only the pairs within it");
}

// Rejects a distance matrix that is not one; matrix is n×n row major.
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
    if (f & 8) throw std::invalid_argument("the distance matrix has a nonzero diagonal (vertex birth times are not supported)");
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

// Barcodes of the graph with edges (i[e], j[e]) of length dist[e] on n
// vertices; pairs beyond thresh are dropped, each edge may appear once or in
// both directions (with the same length).
template <class T>
result persistence_sparse(std::size_t n, const index_t* ei, const index_t* ej, const T* dist, std::size_t m,
                          int maxdim, double thresh, std::int64_t coeff, const exec_policy& policy) {
    check_parameters(n, maxdim, coeff);
    check_index_range(n, maxdim);  // before any allocation of size n
    const value_t t = as_threshold(thresh);
    std::vector<std::size_t> degree(n + 1, 0);
    for (std::size_t e = 0; e < m; ++e) {
        const index_t a = ei[e], b = ej[e];
        if (a < 0 || b < 0 || static_cast<std::size_t>(a) >= n || static_cast<std::size_t>(b) >= n)
            throw std::invalid_argument("an edge has a vertex outside 0..n-1");
        if (std::isnan(dist[e])) throw std::invalid_argument("the distances contain NaN");
        if (dist[e] < 0) throw std::invalid_argument("the distances contain negative values");
        if (a == b) {
            if (dist[e] != 0)
                throw std::invalid_argument("the diagonal has a nonzero entry (vertex birth times are not supported)");
            continue;
        }
        if (static_cast<value_t>(dist[e]) > t) continue;
        ++degree[a + 1];
        ++degree[b + 1];
    }
    sparse_distances S;
    S.n = n;
    S.start.assign(n + 1, 0);
    std::partial_sum(degree.begin(), degree.end(), S.start.begin());
    std::vector<std::pair<index_t, value_t>> adj(S.start.back());
    std::vector<std::size_t> fill(S.start.begin(), S.start.end() - 1);
    for (std::size_t e = 0; e < m; ++e) {
        const index_t a = ei[e], b = ej[e];
        const value_t d = static_cast<value_t>(dist[e]);
        if (a == b || d > t) continue;
        adj[fill[a]++] = {b, d};
        adj[fill[b]++] = {a, d};
    }
    std::vector<std::size_t>().swap(fill);
    std::atomic<bool> asymmetric{false};
    std::int64_t edges = 0;
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
        edges += static_cast<std::int64_t>(kept[i]);
    }
    S.start[n] = out;
    S.nbr.resize(out);
    S.dist.resize(out);
    engine<sparse_distances> eng(S, maxdim, t, static_cast<coef_t>(coeff), policy);
    return eng.compute(edges / 2);
}

}  // namespace fasttda::rips
