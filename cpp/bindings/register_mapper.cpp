#include "common.hpp"
#include "fasttda/mapper.hpp"

namespace fasttda::bind {

namespace {

clusterer_kind parse_clusterer(const std::string& name) {
    if (name == "single_linkage") return clusterer_kind::single_linkage;
    if (name == "dbscan") return clusterer_kind::dbscan;
    throw std::invalid_argument("unknown clusterer '" + name + "': use 'single_linkage' or 'dbscan'");
}

std::string clusterer_name(clusterer_kind c) { return c == clusterer_kind::dbscan ? "dbscan" : "single_linkage"; }

template <class T>
void define(py::module_& m) {
    m.def(
        "mapper",
        [](const carray<T>& X, const carray<double>& lens, const mapper_params& prm, std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            if (lens.ndim() != 2 || static_cast<std::size_t>(lens.shape(0)) != pts.n)
                throw std::invalid_argument("the lens must be an (n, d) array with one row per point");
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
            out["lens_mean"] = to_numpy(std::move(r.lens_mean), {nodes, static_cast<py::ssize_t>(dl)});
            return out;
        },
        py::arg("X").noconvert(), py::arg("lens").noconvert(), py::arg("params"), py::arg("n_threads") = py::none());
    m.def(
        "euclidean_mst",
        [](const carray<T>& X, std::optional<std::size_t> prim_max, std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            const std::size_t limit = prim_max.value_or(default_prim_max(pts.d));
            std::vector<edge<T>> e;
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
    // Mapper's options by name: fasttda.mapper builds one with keywords. Local to each module: the
    // portable and the AVX2 build both bind this C++ type, and a global registration lets only one import.
    py::class_<mapper_params>(m, "MapperParams", py::module_local(),
                              "The options of one Mapper run (see fasttda.mapper).")
        .def(py::init<>())
        .def(py::init([](py::kwargs kwargs) {
            py::object p = py::cast(mapper_params{});
            for (const auto& item : kwargs) {
                const auto name = py::cast<std::string>(item.first);
                if (!py::hasattr(p, name.c_str()) || name.rfind("__", 0) == 0)
                    throw py::type_error("MapperParams has no field '" + name + "'");
                p.attr(name.c_str()) = item.second;
            }
            return p.cast<mapper_params>();
        }))
        .def_readwrite("n_intervals", &mapper_params::n_intervals, "Intervals per lens coordinate.")
        .def_readwrite("overlap", &mapper_params::overlap, "Shared fraction of neighbouring intervals, per coordinate.")
        .def_readwrite("balanced", &mapper_params::balanced, "Cover the ranks of the lens values instead of the values.")
        .def_property(
            "clusterer", [](const mapper_params& p) { return clusterer_name(p.clusterer); },
            [](mapper_params& p, const std::string& name) { p.clusterer = parse_clusterer(name); },
            "'single_linkage' or 'dbscan'.")
        .def_readwrite("height", &mapper_params::height, "Single linkage: cut height; NaN picks the first gap.")
        .def_readwrite("bins", &mapper_params::bins, "Single linkage: histogram bins of the gap heuristic.")
        .def_readwrite("eps", &mapper_params::eps, "DBSCAN: radius (closed ball).")
        .def_readwrite("min_samples", &mapper_params::min_samples, "DBSCAN: points within eps that make a core point.")
        .def_readwrite("min_points", &mapper_params::min_points, "Clusters with fewer points are dropped.")
        .def_readwrite("triangles", &mapper_params::triangles, "Also list the nerve's triangles.")
        .def_readwrite("prim_max", &mapper_params::prim_max,
                       "First-gap cut read off an MST: Prim's up to this many points, Borůvka above; "
                       "None: found without a tree (same clusters).");
    define<float>(m);
    define<double>(m);
}

}  // namespace fasttda::bind
