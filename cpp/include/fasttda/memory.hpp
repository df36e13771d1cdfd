// Checks a request's size against the memory the machine has, before
// allocating: a silly parameter gets a ValueError that says how much memory
// it would need, not a bad_alloc (or the OOM killer) halfway through.
#pragma once

#include <cstddef>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace fasttda {

// Bytes that can be allocated without swapping: Linux's MemAvailable, else
// the physical memory; 0 when neither is known (then nothing is refused).
inline std::size_t available_memory() {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    std::size_t kib = 0;
    std::string unit;
    while (meminfo >> key >> kib >> unit)
        if (key == "MemAvailable:") return kib * 1024;
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGE_SIZE)
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && page > 0) return static_cast<std::size_t>(pages) * static_cast<std::size_t>(page);
#endif
    return 0;
}

inline std::string format_bytes(double bytes) {
    char buf[32];
    const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (bytes >= 1000 && u < 5) bytes /= 1000, ++u;
    std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
    return buf;
}

// Throws std::length_error (a ValueError in Python) when `bytes` exceed the
// available memory; `what` names the request, `advice` says what to change.
inline void check_memory(double bytes, const std::string& what, const std::string& advice) {
    const double have = static_cast<double>(available_memory());
    if (have > 0 && bytes > have)
        throw std::length_error(what + " would need " + format_bytes(bytes) + " of memory, more than the " +
                                format_bytes(have) + " available; " + advice);
}

}  // namespace fasttda
