"""Tests of the biomechanical simulator (dorsi.sim)."""
