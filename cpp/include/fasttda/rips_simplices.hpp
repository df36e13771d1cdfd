// The simplices of a Vietoris–Rips filtration as numbers, after Bauer,
// "Ripser" (2021): a simplex is its index in the combinatorial number system,
// with its diameter; a term of a cochain adds a coefficient in Z/p.
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "distances.hpp"
#include "points.hpp"

namespace fasttda::rips {

using coef_t = std::uint32_t;

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

// ------------------------------------------------------- combinatorial numbers

// Simplex {v_k > ... > v_0} has index sum_i C(v_i, i+1). Every index of a
// complex up to dimension maxdim+1 is below C(n, maxdim+2); refuse before
// allocating anything when that does not fit in 63 bits.
inline void check_index_range(std::size_t n, int maxdim) {
    const int kmax = maxdim + 2;
    __extension__ typedef unsigned __int128 wide;  // GCC and Clang; exact products of two 64-bit numbers
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

}  // namespace fasttda::rips
