"""Pipelines the benchmarks run that are not shipped: found through ``$MSK_FEATURES_PIPELINE_PACKAGES``.

Each module defines ``PIPELINE`` as a module of :mod:`flink_jobs.pipelines` does; the benchmark sets
the variable for itself and its job processes (:func:`msk_features.bench.workload.find_bench_pipelines`).
"""
