// Seeded random clouds for the core's C++ tests.
#pragma once

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "fasttda/points.hpp"

namespace fasttda::test {

// n points uniform in [-1, 1]^d, row major; `grid` rounds them to a 3-value
// grid so that exact ties and duplicates occur.
template <class T>
std::vector<T> uniform(std::size_t n, std::size_t d, unsigned seed, bool grid = false) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<T> x(n * d);
    for (auto& v : x) v = static_cast<T>(grid ? std::round(u(rng)) : u(rng));
    return x;
}

// n points on the unit circle at random angles, with Gaussian noise.
inline std::vector<double> noisy_circle(std::size_t n, double noise, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> angle(0.0, 6.283185307179586);
    std::normal_distribution<double> jitter(0.0, noise);
    std::vector<double> x(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = angle(rng);
        x[2 * i] = std::cos(t) + jitter(rng);
        x[2 * i + 1] = std::sin(t) + jitter(rng);
    }
    return x;
}

// Squared distance summed coordinate by coordinate in T, as the kernels do.
template <class T>
T sq_dist(const points_view<T>& X, std::size_t i, std::size_t j) {
    T s = 0;
    for (std::size_t c = 0; c < X.d; ++c) {
        const T t = X.row(i)[c] - X.row(j)[c];
        s += t * t;
    }
    return s;
}

}  // namespace fasttda::test
