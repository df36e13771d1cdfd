#include "common.hpp"
#include "fasttda/mapper.hpp"

namespace fasttda::bind {

namespace {

clusterer_kind parse_clusterer(const std::string& name) {
    if (name == "single_linkage") return clusterer_kind::single_linkage;
    if (name == "dbscan") return clusterer_kind::dbscan;
    throw std::invalid_argument("unknown clusterer '" + name + "': use 'single_linkage' or 'dbscan'");
}

template <class T>
void define(py::module_& m) {
    m.def(
        "mapper",
        [](const carray<T>& X, const carray<double>& lens, std::vector<std::size_t> n_intervals,
           std::vector<double> overlap, bool balanced, const std::string& clusterer, double height, std::size_t bins,
           double eps, std::size_t min_samples, std::size_t min_points, bool triangles, std::optional<std::size_t> prim_max,
           std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            if (lens.ndim() != 2 || static_cast<std::size_t>(lens.shape(0)) != pts.n)
                throw std::invalid_argument("the lens must be an (n, d) array with one row per point");
            mapper_params prm;
            prm.n_intervals = std::move(n_intervals);
            prm.overlap = std::move(overlap);
            prm.balanced = balanced;
            prm.clusterer = parse_clusterer(clusterer);
            prm.height = height, prm.bins = bins, prm.eps = eps, prm.min_samples = min_samples;
            prm.min_points = min_points, prm.triangles = triangles;
            prm.prim_max = prim_max.value_or(default_prim_max(pts.d));
            const auto dl = static_cast<std::size_t>(lens.shape(1));
            const double* l = lens.data();
            mapper_result r;
            {
                py::gil_scoped_release nogil;
                r = fasttda::mapper(pts, l, dl, prm, policy(n_threads));
            }
            const auto nodes = static_cast<py::ssize_t>(r.node_cube.size());
            const auto n_edges = static_cast<py::ssize_t>(r.edge_weight.size());
            const auto n_tri = static_cast<py::ssize_t>(r.triangles.size() / 3);
            py::dict out;
            out["lower"] = r.lower;
            out["upper"] = r.upper;
            out["node_cube"] = to_numpy(std::move(r.node_cube));
            out["node_intervals"] = to_numpy(std::move(r.node_intervals), {nodes, static_cast<py::ssize_t>(dl)});
            out["node_offset"] = to_numpy(std::move(r.node_offset));
            out["members"] = to_numpy(std::move(r.members));
            out["edges"] = to_numpy(std::move(r.edges), {n_edges, 2});
            out["edge_weights"] = to_numpy(std::move(r.edge_weight));
            out["triangles"] = to_numpy(std::move(r.triangles), {n_tri, 3});
            return out;
        },
        py::arg("X").noconvert(), py::arg("lens").noconvert(), py::arg("n_intervals"), py::arg("overlap"),
        py::arg("balanced"), py::arg("clusterer"), py::arg("height"), py::arg("bins"), py::arg("eps"),
        py::arg("min_samples"), py::arg("min_points"), py::arg("triangles"), py::arg("prim_max") = py::none(),
        py::arg("n_threads") = py::none());
    m.def(
        "euclidean_mst",
        [](const carray<T>& X, std::optional<std::size_t> prim_max, std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            const std::size_t limit = prim_max.value_or(default_prim_max(pts.d));
            std::vector<mapper_detail::edge<T>> e;
            {
                py::gil_scoped_release nogil;
                e = euclidean_mst(pts, limit, policy(n_threads));
            }
            std::vector<index_t> ends(2 * e.size());
            std::vector<T> length(e.size());
            for (std::size_t i = 0; i < e.size(); ++i)
                ends[2 * i] = e[i].a, ends[2 * i + 1] = e[i].b, length[i] = std::sqrt(e[i].d2);
            const auto m_edges = static_cast<py::ssize_t>(e.size());
            return py::make_tuple(to_numpy(std::move(ends), {m_edges, 2}), to_numpy(std::move(length)));
        },
        py::arg("X").noconvert(), py::arg("prim_max") = py::none(), py::arg("n_threads") = py::none());
}

}  // namespace

void register_mapper(py::module_& m) {
    define<float>(m);
    define<double>(m);
}

}  // namespace fasttda::bind
