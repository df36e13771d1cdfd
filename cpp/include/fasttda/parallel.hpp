// Threads for the core's kernels.
//
// Plain std::thread, not OpenMP: a worker's exception has to reach the caller
// (OpenMP terminates the process when one escapes a parallel region), a kernel
// has to stop early when the user presses Ctrl-C, and the module has to live in
// one process with torch and numba, which bring OpenMP runtimes of their own.
// Threads are started per kernel call and never kept in a global pool, so a
// forked process (multiprocessing, Dask workers) never inherits dead workers.
//
// The calling thread does no work: it sleeps, waking every `poll` to ask
// `stop_requested` whether to stop. That is the only place the callback runs,
// so a binding may take a lock there (the GIL) without racing the workers.
//
// Also here: the team's helpers that keep results independent of the thread
// count (parallel_sort, parallel_collect) and the cancel poll of long loops.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fasttda {

// Thrown by a kernel whose stop check asked it to stop.
struct interrupted : std::exception {
    const char* what() const noexcept override { return "computation interrupted"; }
};

struct exec_policy {
    unsigned n_threads = 0;                    // 0: every hardware thread
    std::function<bool()> stop_requested;      // called from the calling thread only
    std::chrono::milliseconds poll{20};
};

inline unsigned resolve_threads(unsigned requested) {
    if (requested > 0) return requested;
    unsigned hw = std::thread::hardware_concurrency();
    return hw > 0 ? hw : 1;
}

// A barrier for iterative kernels whose threads stay together across rounds.
// arrive_and_wait() returns false once the team is cancelled; the decision is
// taken once per round by the last thread in, so every thread sees the same
// answer and none is left waiting. A thread that leaves (on an exception)
// stops being waited for.
class barrier {
public:
    barrier(unsigned parties, const std::atomic<bool>& cancel) : expected_(parties), cancel_(cancel) {}

    bool arrive_and_wait() {
        std::unique_lock<std::mutex> lock(m_);
        if (stopped_) return false;
        const unsigned long gen = generation_;
        if (++arrived_ >= expected_) {
            release_locked();
            return !stopped_;
        }
        lock.unlock();
        for (int spin = 0; spin < 4000; ++spin) {  // rounds are short: spin before sleeping
            if (published_.load(std::memory_order_acquire) != gen) break;
            std::this_thread::yield();
        }
        lock.lock();
        cv_.wait(lock, [&] { return generation_ != gen; });
        return !stopped_;
    }

    void leave() {
        std::lock_guard<std::mutex> lock(m_);
        stopped_ = true;
        --expected_;
        if (arrived_ > 0 && arrived_ >= expected_) release_locked();
    }

private:
    void release_locked() {
        if (cancel_.load(std::memory_order_relaxed)) stopped_ = true;
        arrived_ = 0;
        ++generation_;
        published_.store(generation_, std::memory_order_release);
        cv_.notify_all();
    }

    std::mutex m_;
    std::condition_variable cv_;
    unsigned expected_;
    unsigned arrived_ = 0;
    unsigned long generation_ = 0;
    std::atomic<unsigned long> published_{0};
    bool stopped_ = false;
    const std::atomic<bool>& cancel_;
};

// Runs body(thread_index, cancel) on n worker threads and joins them. The first
// exception a worker throws is rethrown here after every thread has finished;
// a stop request sets `cancel` (bodies check it at convenient points) and ends
// in fasttda::interrupted.
template <class Body>
void run_team(const exec_policy& policy, unsigned n, Body&& body) {
    n = std::max(1u, n);
    std::atomic<bool> cancel{false};
    std::exception_ptr error;
    std::mutex m;
    std::condition_variable done_cv;
    unsigned running = n;

    auto worker = [&](unsigned tid) {
        try {
            body(tid, cancel);
        } catch (...) {
            std::lock_guard<std::mutex> lock(m);
            if (!error) error = std::current_exception();
            cancel.store(true);
        }
        std::lock_guard<std::mutex> lock(m);
        if (--running == 0) done_cv.notify_all();
    };

    std::vector<std::thread> threads;
    threads.reserve(n);
    try {
        for (unsigned t = 0; t < n; ++t) threads.emplace_back(worker, t);
    } catch (...) {  // could not start a thread: stop the ones that run, then report
        cancel.store(true);
        { std::lock_guard<std::mutex> lock(m); running -= n - static_cast<unsigned>(threads.size()); }
        for (auto& th : threads) th.join();
        throw;
    }

    bool stopped = false;
    {
        std::unique_lock<std::mutex> lock(m);
        while (running > 0) {
            if (done_cv.wait_for(lock, policy.poll, [&] { return running == 0; })) break;
            if (policy.stop_requested && !stopped) {
                lock.unlock();
                stopped = policy.stop_requested();
                if (stopped) cancel.store(true);
                lock.lock();
            }
        }
    }
    for (auto& th : threads) th.join();
    if (error) std::rethrow_exception(error);
    if (stopped) throw interrupted();
}

// body(thread_index, begin, end) over [0, n) in chunks of `grain`, handed out
// dynamically so uneven work balances; chunk boundaries do not depend on the
// thread count, so per-chunk results can be combined deterministically.
template <class Body>
void parallel_for(const exec_policy& policy, std::size_t n, std::size_t grain, Body&& body) {
    if (n == 0) return;
    grain = std::max<std::size_t>(1, grain);
    const std::size_t chunks = (n + grain - 1) / grain;
    const unsigned threads = static_cast<unsigned>(
        std::min<std::size_t>(resolve_threads(policy.n_threads), chunks));
    std::atomic<std::size_t> next{0};
    run_team(policy, threads, [&](unsigned tid, const std::atomic<bool>& cancel) {
        for (;;) {
            if (cancel.load(std::memory_order_relaxed)) return;
            const std::size_t c = next.fetch_add(1, std::memory_order_relaxed);
            if (c >= chunks) return;
            const std::size_t begin = c * grain;
            body(tid, begin, std::min(n, begin + grain));
        }
    });
}

// Long single-threaded loops inside a team body poll the team's cancel flag,
// so Ctrl-C (or another worker's error) stops even one huge task; every
// `every` steps, not every step. A null flag is never cancelled.
using cancel_flag = const std::atomic<bool>*;
inline void poll(cancel_flag cancel, std::size_t i, std::size_t every = 1024) {
    if (cancel && i % every == 0 && cancel->load(std::memory_order_relaxed)) throw interrupted();
}

// Sorts in parallel: fixed blocks sorted by the team, then merged pairwise.
// The order must be a strict total order, so the result is unique whatever
// the thread count.
template <class T, class Less>
void parallel_sort(std::vector<T>& v, Less less, const exec_policy& policy) {
    const std::size_t block = 1 << 16;
    const std::size_t blocks = (v.size() + block - 1) / block;
    if (blocks <= 1) {
        std::sort(v.begin(), v.end(), less);
        return;
    }
    const auto at = [&](std::size_t i) { return v.begin() + static_cast<std::ptrdiff_t>(i); };
    parallel_for(policy, blocks, 1, [&](unsigned, std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) std::sort(at(i * block), at(std::min(v.size(), (i + 1) * block)), less);
    });
    for (std::size_t width = block; width < v.size(); width *= 2) {
        const std::size_t pairs = (v.size() + 2 * width - 1) / (2 * width);
        parallel_for(policy, pairs, 1, [&](unsigned, std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) {
                const std::size_t lo = i * 2 * width, mid = std::min(v.size(), lo + width),
                                  hi = std::min(v.size(), lo + 2 * width);
                std::inplace_merge(at(lo), at(mid), at(hi), less);
            }
        });
    }
}

// Runs body(begin, end, part) over [0, n) in parallel chunks of `grain` and
// concatenates the vectors the chunks fill, in chunk order: the result does
// not depend on the thread count.
template <class T, class Body>
std::vector<T> parallel_collect(const exec_policy& policy, std::size_t n, std::size_t grain, Body&& body) {
    const std::size_t chunks = (n + grain - 1) / grain;
    std::vector<std::vector<T>> parts(chunks);
    parallel_for(policy, n, grain, [&](unsigned, std::size_t b, std::size_t e) { body(b, e, parts[b / grain]); });
    std::size_t total = 0;
    for (const auto& p : parts) total += p.size();
    std::vector<T> out;
    out.reserve(total);
    for (auto& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
        std::vector<T>().swap(p);
    }
    return out;
}

}  // namespace fasttda
