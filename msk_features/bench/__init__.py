"""Benchmarks (``msk-features bench``, ``make bench``): throughput, latency, memory and state, side by side.

One run measures, on the local stack and the same preloaded data: the consume ceiling (Kafka's own
consumer performance tool), our pipelines in bounded catch-up mode (full ``fraud`` and the
``fraud_windows`` subset, exactly-once and at-least-once sinks), the same subset written with Quix
Streams, event-to-feature latency at a steady input rate, and the Flink JVM's peak memory and
checkpoint size per 100k active users. Results go to ``docs/benchmarks/results.json`` and a Markdown
report with a chart. Ratios, not absolute times, are the headline: the machine is shared and noisy.
"""
