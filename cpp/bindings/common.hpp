// What every register_*.cpp needs: an execution policy whose stop check looks
// for Ctrl-C, views of numpy arrays, and vectors handed to numpy without a copy.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fasttda/memory.hpp"
#include "fasttda/parallel.hpp"
#include "fasttda/points.hpp"

namespace fasttda::bind {

namespace py = pybind11;

template <class T>
using carray = py::array_t<T, py::array::c_style>;

// The stop check runs on the thread that called the kernel, which released the
// GIL; it takes the GIL back to run Python's signal handlers. A handler that
// raises (KeyboardInterrupt) leaves its exception set for the translator.
inline exec_policy policy(std::optional<unsigned> n_threads) {
    exec_policy p;
    p.n_threads = n_threads.value_or(0);
    p.stop_requested = [] {
        py::gil_scoped_acquire gil;
        return PyErr_CheckSignals() != 0;
    };
    return p;
}

template <class T>
points_view<T> points(const carray<T>& X) {
    if (X.ndim() != 2)
        throw std::invalid_argument("points must be a 2-D array (n, d), got " + std::to_string(X.ndim()) + " dimensions");
    return {X.data(), static_cast<std::size_t>(X.shape(0)), static_cast<std::size_t>(X.shape(1))};
}

// Moves a vector into a numpy array that owns it.
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v, std::vector<py::ssize_t> shape = {}) {
    auto* owned = new std::vector<T>(std::move(v));
    py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    if (shape.empty()) shape = {static_cast<py::ssize_t>(owned->size())};
    return py::array_t<T>(shape, owned->data(), free_when_done);
}

}  // namespace fasttda::bind
