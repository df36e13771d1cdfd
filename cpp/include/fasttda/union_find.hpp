// Disjoint sets over 0..n-1, for Kruskal's H0, Borůvka's components and the
// clusters of single linkage and DBSCAN.
//
// unite() hangs the larger root under the smaller, so every root is the
// smallest index of its set: callers that scan indices upward meet each set
// at its smallest member, and labels do not depend on the order of unions.
// find() halves paths as it goes; there is no union by rank, since the
// smallest-root rule already decides which root wins.
#pragma once

#include <cstddef>
#include <numeric>
#include <utility>
#include <vector>

namespace fasttda {

template <class I>
class union_find {
public:
    explicit union_find(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), I(0)); }

    std::size_t size() const { return parent_.size(); }

    I find(I x) {
        while (parent_[static_cast<std::size_t>(x)] != x)
            x = parent_[static_cast<std::size_t>(x)] = parent_[static_cast<std::size_t>(parent_[static_cast<std::size_t>(x)])];
        return x;
    }

    // Joins the sets of a and b; false when they were one set already.
    bool unite(I a, I b) {
        a = find(a), b = find(b);
        if (a == b) return false;
        if (a > b) std::swap(a, b);
        parent_[static_cast<std::size_t>(b)] = a;
        return true;
    }

private:
    std::vector<I> parent_;
};

}  // namespace fasttda
