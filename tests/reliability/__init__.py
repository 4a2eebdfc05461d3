"""Reliability tests: exactly-once under faults, bad input, idle inputs, security."""
