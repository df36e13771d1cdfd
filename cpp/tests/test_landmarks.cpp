// Max-min landmarks against the defining loop: each new landmark is the point
// farthest from those chosen (ties: the smallest index).
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "check.hpp"
#include "fasttda/landmarks.hpp"
#include "random_points.hpp"

using namespace fasttda;

template <class T>
void check_cloud(std::size_t n, std::size_t d, std::size_t m, index_t first, unsigned seed, bool grid, unsigned threads) {
    const std::vector<T> data = test::uniform<T>(n, d, seed, grid);
    const points_view<T> X{data.data(), n, d};
    exec_policy policy;
    policy.n_threads = threads;
    const auto got = maxmin(X, m, first, policy);
    std::vector<T> nearest(n, std::numeric_limits<T>::infinity());
    std::vector<index_t> want{first};
    for (;;) {
        const auto l = static_cast<std::size_t>(want.back());
        for (std::size_t i = 0; i < n; ++i) nearest[i] = std::min(nearest[i], test::sq_dist(X, i, l));
        for (index_t c : want) nearest[static_cast<std::size_t>(c)] = -1;
        const auto far = std::max_element(nearest.begin(), nearest.end());  // the first of the largest
        if (want.size() == m) {
            CHECK(got.cover_radius == std::sqrt(std::max(0.0, static_cast<double>(*far))));
            break;
        }
        want.push_back(static_cast<index_t>(far - nearest.begin()));
    }
    CHECK(got.landmarks == want);
}

int main() {
    check_cloud<double>(500, 2, 40, 0, 1, false, 3);
    check_cloud<float>(9000, 8, 60, 17, 2, false, 0);  // several threads' slices
    check_cloud<double>(300, 5, 300, 5, 3, false, 2);  // every point
    check_cloud<float>(200, 3, 30, 199, 4, true, 1);   // duplicates: none chosen twice
    const std::vector<double> two{0.0, 1.0};
    CHECK_THROWS(maxmin(points_view<double>{two.data(), 2, 1}, 3, 0, exec_policy{}), std::invalid_argument);
    CHECK_THROWS(check_landmarks(0, 5), std::invalid_argument);
    CHECK_THROWS(check_landmarks(-1, 5), std::invalid_argument);
    return test::failures() ? 1 : 0;
}
