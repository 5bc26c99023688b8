"""Datasets: sources that fetch raw data in its original format, and preparation into tensors."""
