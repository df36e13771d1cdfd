"""pytest-benchmark timings of the Mapper engine against KeplerMapper.

python -m pytest benchmarks/test_bench_mapper.py --benchmark-columns=median,iqr
"""

import pytest
from stages_mapper import cloud_and_lens, run_fasttda, run_kmapper

DATA = cloud_and_lens(20_000)()


@pytest.mark.benchmark(group="mapper pca2 10x10 n=2e4")
def test_mapper_fasttda(benchmark):
    benchmark(run_fasttda, DATA, False)


@pytest.mark.benchmark(group="mapper pca2 10x10 n=2e4")
def test_mapper_kmapper(benchmark):
    pytest.importorskip("kmapper")
    benchmark.pedantic(run_kmapper, (DATA, False), rounds=1, iterations=1)
