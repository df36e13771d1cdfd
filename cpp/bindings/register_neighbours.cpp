
#include "common.hpp"
#include "fasttda/landmarks.hpp"
#include "fasttda/neighbours.hpp"

namespace fasttda::bind {

namespace {

template <class T>
void define(py::module_& m) {
    m.def(
        "codensity",
        [](const carray<T>& X, std::int64_t k, std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            check_k(k, pts.n);
            carray<T> out(static_cast<py::ssize_t>(pts.n));
            T* o = out.mutable_data();
            {
                py::gil_scoped_release nogil;
                codensity(pts, static_cast<std::size_t>(k), policy(n_threads), o);
            }
            return out;
        },
        py::arg("X").noconvert(), py::arg("k"), py::arg("n_threads") = py::none());
    m.def(
        "knn",
        [](const carray<T>& X, std::int64_t k_signed, std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            check_k(k_signed, pts.n);
            const auto k = static_cast<std::size_t>(k_signed);
            check_knn_memory(pts.n, k, sizeof(T));  // before the tables are allocated here
            const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(pts.n), static_cast<py::ssize_t>(k)};
            carray<index_t> idx(shape);
            carray<T> dist(shape);
            index_t* i = idx.mutable_data();
            T* d = dist.mutable_data();
            {
                py::gil_scoped_release nogil;
                knn(pts, k, policy(n_threads), i, d);
            }
            return py::make_tuple(idx, dist);
        },
        py::arg("X").noconvert(), py::arg("k"), py::arg("n_threads") = py::none());
    m.def(
        "codensity_part",
        [](const carray<T>& X, std::int64_t k, std::int64_t part, std::int64_t parts, std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            check_k(k, pts.n);
            check_part(part, parts);
            part_result<T> r;
            {
                py::gil_scoped_release nogil;
                r = codensity_part(pts, static_cast<std::size_t>(k), static_cast<std::size_t>(part),
                                   static_cast<std::size_t>(parts), policy(n_threads));
            }
            return py::make_tuple(to_numpy(std::move(r.queries)), to_numpy(std::move(r.codensity)));
        },
        py::arg("X").noconvert(), py::arg("k"), py::arg("part"), py::arg("parts"), py::arg("n_threads") = py::none());
    m.def(
        "knn_part",
        [](const carray<T>& X, std::int64_t k, std::int64_t part, std::int64_t parts, std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            check_k(k, pts.n);
            check_part(part, parts);
            part_result<T> r;
            {
                py::gil_scoped_release nogil;
                r = knn_part(pts, static_cast<std::size_t>(k), static_cast<std::size_t>(part),
                             static_cast<std::size_t>(parts), policy(n_threads));
            }
            const auto rows = static_cast<py::ssize_t>(r.queries.size()), cols = static_cast<py::ssize_t>(k);
            return py::make_tuple(to_numpy(std::move(r.queries)), to_numpy(std::move(r.indices), {rows, cols}),
                                  to_numpy(std::move(r.distances), {rows, cols}));
        },
        py::arg("X").noconvert(), py::arg("k"), py::arg("part"), py::arg("parts"), py::arg("n_threads") = py::none());
    m.def(
        "dense_core",
        [](const carray<T>& X, std::int64_t k, std::size_t count, std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            check_k(k, pts.n);
            core_result<T> core;
            {
                py::gil_scoped_release nogil;
                core = dense_core(pts, static_cast<std::size_t>(k), count, policy(n_threads));
            }
            return py::make_tuple(to_numpy(std::move(core.indices)), to_numpy(std::move(core.codensity)));
        },
        py::arg("X").noconvert(), py::arg("k"), py::arg("count"), py::arg("n_threads") = py::none());
    m.def(
        "maxmin",
        [](const carray<T>& X, std::int64_t n_landmarks, index_t first, std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            check_landmarks(n_landmarks, pts.n);
            maxmin_result<T> r;
            {
                py::gil_scoped_release nogil;
                r = maxmin(pts, static_cast<std::size_t>(n_landmarks), first, policy(n_threads));
            }
            return py::make_tuple(to_numpy(std::move(r.landmarks)), r.cover_radius);
        },
        py::arg("X").noconvert(), py::arg("n_landmarks"), py::arg("first"), py::arg("n_threads") = py::none());
    m.def(
        "radius_graph",
        [](const carray<T>& X, double r, std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            edge_list<T> g;
            {
                py::gil_scoped_release nogil;
                g = radius_graph(pts, r, policy(n_threads));
            }
            const auto m_edges = static_cast<py::ssize_t>(g.dist.size());
            return py::make_tuple(to_numpy(std::move(g.pairs), {m_edges, 2}), to_numpy(std::move(g.dist)));
        },
        py::arg("X").noconvert(), py::arg("r"), py::arg("n_threads") = py::none());
}

}  // namespace

void register_neighbours(py::module_& m) {
    define<float>(m);
    define<double>(m);
}

}  // namespace fasttda::bind
