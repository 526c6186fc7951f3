"""``wrap_pi``: any angle into (-pi, pi], the same direction, inside values untouched."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dorsi.angle.frames import wrap_pi


@given(arrays(np.float64, st.integers(0, 40), elements=st.floats(-60.0, 60.0)))
def test_wrapped_angles_point_the_same_way_inside_one_turn(angles: np.ndarray) -> None:
    wrapped = wrap_pi(angles)
    assert wrapped.shape == angles.shape
    assert np.all((wrapped > -np.pi) & (wrapped <= np.pi))
    np.testing.assert_allclose(np.cos(wrapped), np.cos(angles), atol=1e-9)
    np.testing.assert_allclose(np.sin(wrapped), np.sin(angles), atol=1e-9)
    inside = (angles > -np.pi) & (angles <= np.pi)
    np.testing.assert_array_equal(wrapped[inside], angles[inside])
