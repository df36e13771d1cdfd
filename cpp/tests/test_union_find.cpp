// union_find: roots are the smallest member, and the sets equal the connected
// components a graph search finds.
#include <cstdint>
#include <random>
#include <vector>

#include "check.hpp"
#include "fasttda/union_find.hpp"

int main() {
    using fasttda::union_find;
    {
        union_find<std::int32_t> uf(6);
        CHECK(uf.unite(4, 2));
        CHECK(uf.unite(5, 4));
        CHECK(!uf.unite(2, 5));  // already one set
        CHECK(uf.find(5) == 2 && uf.find(4) == 2 && uf.find(2) == 2);
        CHECK(uf.find(0) == 0 && uf.find(1) == 1 && uf.find(3) == 3);
        CHECK(uf.unite(3, 1));
        CHECK(uf.unite(5, 1));
        CHECK(uf.find(2) == 1 && uf.find(3) == 1);  // the smallest member is the root
    }
    std::mt19937 rng(7);
    for (int round = 0; round < 50; ++round) {
        const std::size_t n = 1 + rng() % 60, m = rng() % 80;
        union_find<std::int64_t> uf(n);
        std::vector<std::vector<std::size_t>> adj(n);
        for (std::size_t e = 0; e < m; ++e) {
            const std::size_t a = rng() % n, b = rng() % n;
            uf.unite(static_cast<std::int64_t>(a), static_cast<std::int64_t>(b));
            adj[a].push_back(b);
            adj[b].push_back(a);
        }
        std::vector<std::int64_t> label(n, -1);  // smallest vertex of each component, by graph search
        for (std::size_t s = 0; s < n; ++s) {
            if (label[s] >= 0) continue;
            std::vector<std::size_t> todo{s};
            label[s] = static_cast<std::int64_t>(s);
            while (!todo.empty()) {
                const std::size_t u = todo.back();
                todo.pop_back();
                for (std::size_t w : adj[u])
                    if (label[w] < 0) label[w] = static_cast<std::int64_t>(s), todo.push_back(w);
            }
        }
        for (std::size_t i = 0; i < n; ++i) CHECK(uf.find(static_cast<std::int64_t>(i)) == label[i]);
    }
    return fasttda::test::failures() ? 1 : 0;
}
