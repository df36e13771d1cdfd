#include "common.hpp"

namespace fasttda::bind {

void register_parallel(py::module_& m) {
    m.def("hardware_threads", [] { return resolve_threads(0); },
          "Number of threads n_threads=None stands for.");
    m.def(
        "cpu_has_avx2",
        [] {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
            __builtin_cpu_init();
            return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
            return false;
#endif
        },
        "Whether this CPU (and its OS) runs AVX2 and FMA instructions.");
    m.def("available_memory", &available_memory,
          "Bytes that can be allocated without swapping (0 when unknown); requests larger than this are refused.");
}

}  // namespace fasttda::bind
