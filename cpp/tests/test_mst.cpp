// Euclidean minimum spanning trees, by Prim and by Borůvka, against Prim on
// the full distance matrix: the same edges in the same (length, a, b) order.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "check.hpp"
#include "fasttda/mst.hpp"
#include "random_points.hpp"

using namespace fasttda;

template <class T>
std::vector<edge<T>> brute_prim(const points_view<T>& X) {
    const std::size_t n = X.n;
    std::vector<T> key(n, std::numeric_limits<T>::infinity());
    std::vector<std::int32_t> from(n, -1);
    std::vector<char> in(n, 0);
    std::vector<edge<T>> out;
    std::size_t u = 0;
    for (std::size_t step = 0; step < n; ++step) {
        in[u] = 1;
        if (step > 0) out.push_back(make_edge(key[u], from[u], static_cast<std::int32_t>(u)));
        std::size_t next = n;
        for (std::size_t v = 0; v < n; ++v) {
            if (in[v]) continue;
            const T d2 = test::sq_dist(X, u, v);
            if (d2 < key[v]) key[v] = d2, from[v] = static_cast<std::int32_t>(u);
            if (next == n || key[v] < key[next]) next = v;
        }
        u = next;
    }
    std::sort(out.begin(), out.end());
    return out;
}

template <class T>
void check_cloud(std::size_t n, std::size_t d, unsigned seed) {
    const std::vector<T> data = test::uniform<T>(n, d, seed);
    const points_view<T> X{data.data(), n, d};
    const auto want = brute_prim(X);
    for (std::size_t prim_max : {n, std::size_t(0)}) {  // Prim, then Borůvka
        const auto got = euclidean_mst(X, prim_max, exec_policy{});
        CHECK(got.size() == n - 1);
        bool equal = got.size() == want.size();
        for (std::size_t i = 0; equal && i < got.size(); ++i)
            equal = got[i].d2 == want[i].d2 && got[i].a == want[i].a && got[i].b == want[i].b;
        CHECK(equal);
    }
}

int main() {
    check_cloud<double>(300, 2, 1);
    check_cloud<float>(500, 8, 2);
    check_cloud<double>(400, 5, 3);
    check_cloud<double>(200, 3, 4);
    const std::vector<double> one{0.5, 0.5};
    CHECK(euclidean_mst(points_view<double>{one.data(), 1, 2}, 10, exec_policy{}).empty());
    return test::failures() ? 1 : 0;
}
