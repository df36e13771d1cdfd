// An edge of a Euclidean minimum spanning tree (or forest): its squared length
// and its two ends, a < b. The public type of euclidean_mst's result.
#pragma once

#include <cstdint>

namespace fasttda {

// Ordered by (length, a, b) so that ties
// are broken the same way whatever the order edges are found in.
template <class T>
struct edge {
    T d2;
    std::int32_t a, b;
    bool operator<(const edge& o) const {
        return d2 < o.d2 || (d2 == o.d2 && (a < o.a || (a == o.a && b < o.b)));
    }
};

template <class T>
edge<T> make_edge(T d2, std::int32_t i, std::int32_t j) {
    return i < j ? edge<T>{d2, i, j} : edge<T>{d2, j, i};
}

}  // namespace fasttda
