"""Pin the BLAS libraries to ``threads`` threads (the benchmarks' --blas-threads); must run before numpy's
first import, so the benchmark scripts call it right after parsing their arguments."""
import os


def pin_threads(threads: int) -> None:
    if threads > 0:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(threads)
