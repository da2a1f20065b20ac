"""Benchmark harness: training runs, results (JSON/CSV), leaderboards and plots."""
