"""Every feature kind executed on a few hand-checked rows on the Flink mini-cluster (bounded, no broker)."""
