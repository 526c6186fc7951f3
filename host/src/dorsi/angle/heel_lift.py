"""Heel-lift detection, streaming: from the foot's pitch, or from the shin alone.

* Foot sensor: the heel is up while the foot pitches toes-down (rotation
  about the metatarsal heads) beyond a threshold, with hysteresis.
* Shin sensor alone: while the heel is down the shank pivots about a fixed
  ankle, so the specific force minus the fixed-pivot acceleration
  ``alpha x r + omega x (omega x r)`` is gravity alone. When the heel lifts,
  the ankle (the pivot) rises: what is left, seen along the vertical, is the
  ankle's vertical acceleration. Integrated twice over a trailing window with
  zero velocity at both ends it gives the ankle's rise; a rise switches the
  lift on and the matching lowering switches it off. That evidence comes late
  (about when the heel is up), so a fast onset detector raises the flag
  first: the ankle's upward velocity over a short trailing window (integrated
  once, its bias taken from the window before) beyond a threshold that grows
  with the shank's swing; the rise then confirms the lift or, if it does not
  come within ``confirm_s``, the onset is retracted.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d
from scipy.signal import lfilter

from dorsi.angle.lever_arm import cross_matrix

# chunks at least this long are not copied to join them to the previous chunk's last two
# samples (only those two and the chunk's first two are joined); shorter ones (live BLE
# notifications) are joined whole: one call instead of two is cheaper there
_SPLIT_MIN = 256


class Hysteresis:
    """Streaming two-threshold switch: on when ``x > on``, off when ``x < off``.

    Vectorised: the state at each sample is the last switching event so far
    (forward fill), carried between chunks.
    """

    def __init__(self, on: float, off: float, state: bool = False) -> None:
        if off > on:
            raise ValueError("off threshold must not exceed on threshold")
        self.on = on
        self.off = off
        self.state = state

    def update(self, x: np.ndarray, force_off: np.ndarray | None = None) -> np.ndarray:
        """Switch states for the next chunk of ``x`` (bool array)."""
        event = np.zeros(len(x), dtype=np.int8)
        event[x < self.off] = -1
        event[x > self.on] = 1
        if force_off is not None:
            event[force_off] = -1
        idx = np.where(event != 0, np.arange(len(x)), -1)
        last = np.maximum.accumulate(idx) if len(x) else idx
        out = np.where(last >= 0, event[np.maximum(last, 0)] > 0, self.state)
        if len(x):
            self.state = bool(out[-1])
        return out


class FootPitchHeelLift:
    """Heel lift from the foot sensor's pitch (+ toes up, degrees).

    A lift starts only while weight-bearing (see ``update``); it ends when the
    foot is back near flat. "Flat" is learnt as the session goes: where the shank
    stands at its rest with the foot near flat (``at_rest``), the foot is flat on
    the floor, and its pitch there is followed with a ``level_tau_s`` average.
    Without it a planted foot that reads a little toes-down (a floor spot not as
    level as where the calibration stood, the device's orientation settling by a
    degree after a brisk movement) kept a lift on for the rest of the exercise,
    and with it the live counter, which waits for the lift to end.

    Parameters
    ----------
    on_deg, off_deg : float
        Toes-down pitch from flat that starts / ends a lift (a 2 cm lift tips a 0.19 m
        heel-to-metatarsal lever by about 6 deg; 0.8 deg is a 2.5 mm heel rise, and
        a planted foot's pitch reads within 0.15 deg of flat on the simulator).
    rate_hz : float
        Nominal sample rate (for the time constant).
    level_tau_s : float
        Time constant of the flat level, in samples at rest.
    level_band_deg : float
        Only a pitch within this of the calibration's flat counts as a foot at rest.

    Attributes
    ----------
    level_deg_ : float
        The pitch that reads as flat after the last update.
    """

    def __init__(self, on_deg: float = 0.8, off_deg: float = 0.4, rate_hz: float = 100.0,
                 level_tau_s: float = 2.0, level_band_deg: float = 2.5) -> None:
        self._switch = Hysteresis(on=on_deg, off=off_deg)
        self._alpha = min(1.0, 1.0 / (level_tau_s * rate_hz))
        self.level_band_deg = level_band_deg
        self.level_deg_ = 0.0

    def update(self, pitch_deg: np.ndarray, weight_bearing: np.ndarray | None = None,
               at_rest: np.ndarray | None = None) -> np.ndarray:
        """Heel-up flags for the next chunk.

        ``weight_bearing`` (bool per sample) marks where a toes-down foot means
        a lifted heel (the shank leaning forward over a planted foot); elsewhere
        (a foot circling in the air, seated) toes-down is plantarflexion and no
        lift starts. ``at_rest`` (bool per sample) marks the shank standing (or
        sitting) at its rest, where a foot near flat is flat.
        """
        pitch = np.asarray(pitch_deg, dtype=float)
        x = -(pitch - self._levels(pitch, at_rest))
        if weight_bearing is not None:
            x = np.where(weight_bearing | (x < self._switch.on), x, self._switch.on)
        return self._switch.update(x)

    def _levels(self, pitch: np.ndarray, at_rest: np.ndarray | None) -> np.ndarray | float:
        """The flat level at each sample: an exponential average of the pitch over the samples
        at rest so far (state carried between chunks, so any chunking gives the same)."""
        if at_rest is None:
            return self.level_deg_
        use = np.flatnonzero(at_rest & (np.abs(pitch) < self.level_band_deg))
        if not len(use):
            return self.level_deg_
        a = self._alpha
        avg, _ = lfilter([a], [1.0, a - 1.0], pitch[use], zi=[(1.0 - a) * self.level_deg_])
        held = np.full(len(pitch), -1)
        held[use] = np.arange(len(use))
        held = np.maximum.accumulate(held)
        levels = np.where(held >= 0, avg[np.maximum(held, 0)], self.level_deg_)
        self.level_deg_ = float(avg[-1])
        return levels


class AnkleRiseHeelLift:
    """Heel lift from the shin sensor alone: the pivot (ankle) leaves the floor.

    Per sample, the ankle's vertical acceleration is the specific force less
    the fixed-pivot acceleration, seen along the vertical, less g (the angular
    acceleration is a central difference, so the signal lags one sample).
    Over a trailing window the rise is its double integral with the velocity
    zero at both ends of the window (the window mean is taken out first): a
    heel rise or lowering starts and ends at rest, and a constant
    accelerometer error cancels exactly. A rise above ``on_m`` starts a lift;
    a lowering below ``-off_m``, or the shank back near its rest angle, ends it.
    The rise alone switches a lift on only while the shank hardly turns (see
    ``rise_max_deg_s``).
    While the window slides past a rise (or a lowering) its start is no longer
    at rest and the integral swings the other way, so after each switch the
    opposite switch is ignored for one window length; so is everything for
    one window after lost samples (the window then spans an unknown stretch).

    That rise reads negative until the ankle slows near the top (the
    zero-end-velocity window subtracts ``v W / 2``), so a fast onset raises
    the flag first: the ankle's upward velocity over ``onset_window_s`` above
    ``onset_m_per_s`` plus a margin for the lever-arm error's signature, with
    the shank forward, not turning back and not swinging forward fast. The rise
    confirms it; unconfirmed after ``confirm_s`` it is retracted (see
    ``docs/algorithms-angle.md`` section 4).

    Parameters
    ----------
    rate_hz : float
        Nominal sample rate.
    lever_arm_m : (3,) array
        Sensor position from the ankle (sensor frame).
    g : float
        The accelerometer's reading of g at rest.
    window_s : float
        Integration window (longer than a heel rise: 0.3-1 s).
    on_m, off_m : float
        Ankle rise that starts a lift; ankle lowering that ends it.
    rest_band_deg : float
        A lift cannot last while the shank is within this of its rest angle.
    lean_back_deg : float
        Nor while the shank leans back more than this from rest.
    forward_deg : float
        A lift only starts with the shank leaning forward more than this from
        rest: heels come up at the end of a lunge, while a forefoot lifted
        about the heel (eccentric drops) or a seated swing also moves the
        ankle but is no heel lift.
    swing_m_per_deg : float
        The rise must beat the threshold by this much per degree the shank
        turned within the window (model errors build up during a rep's swing;
        heels come up at end range, where the shank hardly turns).
    rise_max_deg_s : float
        The rise switches a lift on only while the shank turns slower than this
        either way. The window's zero-velocity ends read a rise ``d`` as
        ``d - (v0 + v1) W / 2`` with ``v0``, ``v1`` the ankle's velocity at the
        window's start and end, so the model's velocity error while the shank
        swings (tilt and lever-arm errors times the swing's accelerations) reads
        as centimetres of rise; a heel comes up at end range, where the shank
        hardly turns (simulated lifts switched on by their rise: -2 to 7 deg/s;
        the false ones during fast lunges: 47-180 deg/s either way).
    rise_back_deg_s : float
        ... nor while the shank turns back faster than this: coming back from
        a deep stretch at 20-40 deg/s the rise crossed its threshold; a heel
        comes up while the knee goes forward or holds, not while it returns.
    onset_window_s, onset_ref_s : float
        Fast onset: the ankle's vertical velocity is the vertical acceleration
        integrated over the last ``onset_window_s``, less that window times
        its mean over the ``onset_ref_s`` before (the model's slowly varying
        error, taken as constant).
    onset_m_per_s : float
        Upward ankle velocity that raises the flag at once (a heel rise of
        2-6 cm over 0.3-1 s reaches 0.02-0.3 m/s).
    onset_swing_m, onset_centripetal_m : float
        The velocity must beat the threshold by the swing margin
        ``hypot(onset_swing_m |dw_win - (w/r) dw_ref|,
        onset_centripetal_m |S_win - (w/r) S_ref|)``. A lever-arm error ``dr``
        adds ``alpha x dr + w x (w x dr)`` to the vertical acceleration; the
        statistic's combination of windows turns the tangential part into the
        change of the shank's sagittal rate over the velocity window less
        ``w/r`` times its change over the bias window (``dw``), and the
        centripetal part into the same combination of the integrals of the
        squared rate (``S``); the two parts are at right angles. 0.02 m covers
        the lever arm fitted on slow first movements and used on fast lunges.
        The centripetal part is what the end of a swing leaves in the bias
        window (the top of a lunge swung at 60 deg/s read as the ankle
        rising); of 0.005, 0.01, 0.015 and 0.02 m, 0.015 was the smallest that
        removed every such flag on 1,440 simulated sessions (see
        ``docs/algorithms-angle.md``).
    onset_back_deg, onset_back_deg_s : float
        No onset while the shank turned back by more than this over the
        velocity window, or turns back faster than this rate now (a heel comes
        up with the knee going forward; the return from end range, above all
        after a long hold or a fast rep, swings the model's error up).
    onset_max_deg_s : float
        Nor while the shank swings forward faster than this (a heel comes up
        at end range; the centripetal part of a lever-arm error grows with
        the rate squared during a fast swing).
    confirm_s : float
        An onset the rise has not confirmed within this time is retracted.
    gap_back_deg : float
        A lift under way when samples were lost goes on after the gap only if
        the shank is still forward (``forward_deg``) and came back by less than
        this across it; else it ended in the gap (a heel is up at end range,
        and the return from it takes the heel down: a knee-to-wall lunge
        seen again at 5-13 deg on its way back was still read as lifted).

    Attributes
    ----------
    rise_m_ : (N,) array
        Windowed ankle rise of the last chunk (metres).
    velocity_m_s_ : (N,) array
        Onset statistic of the last chunk: the ankle's upward velocity over the
        onset window (m/s; zero until the stream holds both onset windows).
    """

    #: ``onset_swing_m`` by default: covers the lever arm fitted on the first movements
    ONSET_SWING_M = 0.02

    def __init__(self, rate_hz: float, lever_arm_m: np.ndarray, g: float, window_s: float = 1.0,
                 on_m: float = 0.011, off_m: float = 0.008, rest_band_deg: float = 3.0,
                 lean_back_deg: float = 8.0, forward_deg: float = 8.0, swing_m_per_deg: float = 0.0003,
                 rise_max_deg_s: float = 30.0, rise_back_deg_s: float = 10.0,
                 onset_window_s: float = 0.25, onset_ref_s: float = 0.3, onset_m_per_s: float = 0.010,
                 onset_swing_m: float = ONSET_SWING_M, onset_centripetal_m: float = 0.015, onset_back_deg: float = 0.5,
                 onset_back_deg_s: float = 5.0, onset_max_deg_s: float = 30.0, confirm_s: float = 1.5,
                 gap_back_deg: float = 5.0) -> None:
        if rate_hz <= 0 or min(window_s, onset_window_s, onset_ref_s, confirm_s) <= 0:
            raise ValueError("rate and windows must be positive")
        self.rate_hz = rate_hz
        self.set_lever_arm(lever_arm_m)
        self.g = g
        self.window = max(3, int(round(window_s * rate_hz)))
        self.rest_band_deg = rest_band_deg
        self.lean_back_deg = lean_back_deg
        self.forward_deg = forward_deg
        self.swing_m_per_deg = swing_m_per_deg
        self.rise_max_deg_s = rise_max_deg_s
        self.rise_back_deg_s = rise_back_deg_s
        self.on_m = on_m
        self.off_m = off_m
        self.onset_m_per_s = onset_m_per_s
        self.onset_swing_m = onset_swing_m
        self.onset_centripetal_m = onset_centripetal_m
        self.onset_back_deg = onset_back_deg
        self.onset_back_deg_s = onset_back_deg_s
        self.onset_max_deg_s = onset_max_deg_s
        self.gap_back_deg = gap_back_deg
        self._onset_n = max(2, int(round(onset_window_s * rate_hz)))  # velocity window (samples)
        self._onset_r = max(2, int(round(onset_ref_s * rate_hz)))     # bias window before it
        self._confirm = max(1, int(round(confirm_s * rate_hz)))
        self._pending = -1                       # sample count at which an unconfirmed onset is retracted
        self._onset_acc = np.zeros(0)            # last onset_n + onset_r vertical accelerations
        self._onset_incl = np.zeros(0)           # last onset_n + onset_r + 1 shank angles
        self._state = False
        self._blocked_until = -1                 # sample count before which no switch happens
        self._last_kind = 0                      # rise/lowering event kind of the last sample so far
        self._count = 0                          # samples seen so far in the stream
        self._prev: dict | None = None          # last two samples of the previous chunk
        self._acc_hist = np.zeros(0)             # last window-1 vertical accelerations
        self._angle_hist = np.zeros(0)           # last window-1 shank angles

    def set_lever_arm(self, lever_arm_m: np.ndarray) -> None:
        """Use this lever arm from the next chunk on (the windows already seen are kept)."""
        self.lever_arm_m = np.asarray(lever_arm_m, dtype=float)
        self._r_cross = cross_matrix(self.lever_arm_m)

    def update(self, omega: np.ndarray, acc: np.ndarray, up: np.ndarray, contiguous: np.ndarray,
               incl_from_rest_deg: np.ndarray) -> np.ndarray:
        """Heel-up flags for the next chunk.

        Parameters
        ----------
        omega, acc, up : (N, 3) arrays
            Bias-free body rate, specific force (offset-corrected) and earth up, sensor frame.
        contiguous : (N,) bool
            False where samples were lost just before.
        incl_from_rest_deg : (N,) array
            Sagittal angle relative to the calibration rest.
        """
        n = len(omega)
        if self._prev is None:
            w_all, a_all, u_all, c_all = omega, acc, up, contiguous
        elif n >= _SPLIT_MIN:  # long chunk: only the samples at its start need the previous one
            p = self._prev
            w_all = np.concatenate([p["w"], omega[:2]])
            a_all = np.concatenate([p["a"], acc[:2]])
            u_all = np.concatenate([p["u"], up[:2]])
            c_all = np.concatenate([p["c"], contiguous[:2]])
        else:
            p = self._prev
            w_all = np.concatenate([p["w"], omega])
            a_all = np.concatenate([p["a"], acc])
            u_all = np.concatenate([p["u"], up])
            c_all = np.concatenate([p["c"], contiguous])
        # for samples 1 .. len-2 of the joined arrays (the central difference needs both neighbours)
        vert = self._vertical(w_all, a_all, u_all, c_all)
        if self._prev is not None and n >= _SPLIT_MIN:
            vert = np.concatenate([vert, self._vertical(omega, acc, up, contiguous)])
        if self._prev is None and n:  # the stream's first sample has no signal: 0 (one sample of lag)
            vert = np.concatenate([[0.0], vert])
        if n:
            if n >= 2:
                w_all, a_all, u_all, c_all = omega, acc, up, contiguous
            keep = min(2, len(w_all))
            self._prev = {"w": w_all[-keep:].copy(), "a": a_all[-keep:].copy(), "u": u_all[-keep:].copy(),
                          "c": c_all[-keep:].copy()}
        rise = self._window_rise(vert)
        pad = n - len(rise)
        if pad > 0:  # the very first sample of a stream has no signal yet
            rise = np.concatenate([np.zeros(pad), rise])
        self.rise_m_ = rise
        self.velocity_m_s_ = self._onset_velocity(vert, n)
        # the shank's sagittal rate (backward difference, as the onset's; before _onset keeps this chunk)
        prev = self._onset_incl[-1:] if len(self._onset_incl) else incl_from_rest_deg[:1]
        rate = np.diff(np.concatenate([prev, incl_from_rest_deg])) * self.rate_hz
        turning = (np.abs(rate) > self.rise_max_deg_s) | (rate < -self.rise_back_deg_s)
        onset = self._onset(self.velocity_m_s_, incl_from_rest_deg)
        # no lift near the rest pose, nor with the shank leaning back (a seated knee extension)
        at_rest = (np.abs(incl_from_rest_deg) < self.rest_band_deg) | (incl_from_rest_deg < -self.lean_back_deg)
        forward = incl_from_rest_deg > self.forward_deg
        # the model's residual errors grow with the swing of the shank inside the window;
        # a heel comes up at end range, where the shank hardly turns: raise the bar with the swing
        rise_margin = rise - self.swing_m_per_deg * self._window_range(incl_from_rest_deg)
        # a lift carried across a gap goes on only where the shank is still forward and has not come
        # back (a heel is up at end range; the return from it takes the heel down)
        held = forward & (rate > -self.gap_back_deg * self.rate_hz)
        return self._switch(rise_margin, at_rest, ~contiguous, forward, onset & forward, turning, held)

    def _onset_velocity(self, vert: np.ndarray, n: int) -> np.ndarray:
        """Upward ankle velocity over the onset window, bias from the window before (causal)."""
        if len(vert) < n:  # the very first sample of a stream has no signal yet
            vert = np.concatenate([np.zeros(n - len(vert)), vert])
        w, r = self._onset_n, self._onset_r
        a = np.concatenate([self._onset_acc, vert])
        self._onset_acc = a[-(w + r):]
        if n == 0:
            return np.zeros(0)
        c = _cumsum0(a)
        if len(a) == n + w + r:  # both windows full for every sample: plain slices, same sums
            ref = (c[r + 1:r + 1 + n] - c[1:1 + n]) / r
            return (c[w + r + 1:] - c[r + 1:r + 1 + n] - w * ref) / self.rate_hz
        hi = np.arange(len(a) - n + 1, len(a) + 1)  # window ends (exclusive) of this chunk's samples
        mid = np.maximum(hi - w, 0)
        ref = (c[mid] - c[np.maximum(hi - w - r, 0)]) / r
        v = (c[hi] - c[mid] - w * ref) / self.rate_hz
        return np.where(hi >= w + r, v, 0.0)  # not before both windows are full

    def _onset(self, v: np.ndarray, incl_deg: np.ndarray) -> np.ndarray:
        """Where the velocity beats the threshold plus the swing margin."""
        m = self._onset_n + self._onset_r
        x = np.concatenate([self._onset_incl if len(self._onset_incl) else incl_deg[:1], incl_deg])
        self._onset_incl = x[-(m + 1):]
        cand = v > self.onset_m_per_s
        if not cand.any():  # the usual case: no need for the margin
            return cand
        n, w, r = len(v), self._onset_n, self._onset_r
        k = np.flatnonzero(cand)  # the margin only where the velocity alone passes

        def rate(j: np.ndarray) -> np.ndarray:  # backward differences: the shank's sagittal rate
            return np.radians(x[j + 1] - x[j]) * self.rate_hz

        i = len(x) - 1 - n + k
        now, mid, old = rate(i), rate(np.maximum(i - w, 0)), rate(np.maximum(i - w - r, 0))
        # A lever-arm error dr adds (alpha x dr + w x (w x dr)) . up to the vertical acceleration.
        # The statistic integrates it over the window less w/r times its integral over the bias
        # window; the same combination of the tangential part's alpha is the change of rate, and
        # of the centripetal part's w^2 its windowed sums. The two parts are at right angles (one
        # across dr, one along it), so together they reach at most the hypotenuse.
        tangential = np.abs((now - mid) - (w / r) * (mid - old))
        sq = _cumsum0(rate(np.arange(len(x) - 1)) ** 2)  # running sum of the squared rate
        end, cut, first = i + 1, np.maximum(i + 1 - w, 0), np.maximum(i + 1 - w - r, 0)
        centripetal = np.abs((sq[end] - sq[cut]) - (w / r) * (sq[cut] - sq[first])) / self.rate_hz
        margin = np.hypot(self.onset_swing_m * tangential, self.onset_centripetal_m * centripetal)
        # a heel comes up with the knee still going forward (slowly: at end range), never while
        # the shank turns back or still swings fast
        idx = i + 1
        now_deg_s = np.degrees(now)
        back = ((x[idx] - x[np.maximum(idx - self._onset_n, 0)] < -self.onset_back_deg)
                | (now_deg_s < -self.onset_back_deg_s) | (now_deg_s > self.onset_max_deg_s))
        cand[k] = ~back & (v[k] - margin > self.onset_m_per_s)
        return cand

    def _window_range(self, x: np.ndarray) -> np.ndarray:
        """Range (max - min) of ``x`` over the same trailing window as the rise."""
        joined = np.concatenate([self._angle_hist, x])
        self._angle_hist = joined[-(self.window - 1):] if self.window > 1 else np.zeros(0)
        if len(x) == 0:
            return np.zeros(0)
        size, n = self.window, len(x)
        if n <= size and len(joined) >= size - 1 + n:  # a notification with a full history
            return _trailing_range(joined[len(joined) - n - size + 1:], size, n)
        hi = maximum_filter1d(joined, size, origin=(size - 1) // 2, mode="nearest")
        lo = minimum_filter1d(joined, size, origin=(size - 1) // 2, mode="nearest")
        return (hi - lo)[len(joined) - len(x):]

    def _switch(self, rise: np.ndarray, at_rest: np.ndarray, gap: np.ndarray, forward: np.ndarray,
                onset: np.ndarray, turning: np.ndarray, held: np.ndarray) -> np.ndarray:
        """State per sample from onset/rise/lowering events with a one-window refractory period.

        An onset switches on at once, unconfirmed: a rise confirms it (and
        starts the refractory period as a rise-switched lift would); a lowering
        cannot end it (the window rise swings negative early in a heel rise);
        without confirmation it ends ``confirm_s`` later and nothing switches
        for one window (the onset statistic is fooled by the ankle's own
        lowering, which its bias window takes for a model error).
        """
        n = len(rise)
        start = self._count
        self._count += n
        kind = np.zeros(n, dtype=np.int8)
        kind[rise > self.on_m] = 1
        kind[rise < -self.off_m] = -1
        # nothing can switch in this chunk: no lost samples, no onset expires, and either the
        # heel is up and nothing happens, or it is down and neither a rise nor an onset starts
        # (a lowering or the rest pose only end lifts)
        prev_kind = self._last_kind
        if n:
            self._last_kind = int(kind[-1])
        if (not gap.any() and not 0 <= self._pending < start + n  # nor does an onset expire
                and (not (kind.any() or at_rest.any()) if self._state else not ((kind == 1).any() or onset.any()))):
            return np.full(n, self._state)
        # event runs start where the kind changes, across chunk boundaries as in one call
        runs = np.flatnonzero(np.diff(np.concatenate([[prev_kind], kind])) != 0)
        gap_idx = np.flatnonzero(gap)
        rest_idx = np.flatnonzero(at_rest)
        candidates = sorted(set(runs[kind[runs] != 0].tolist()) | set(gap_idx.tolist()) | set(rest_idx[:1].tolist())
                            | set(rest_idx[np.flatnonzero(np.diff(rest_idx) > 1) + 1].tolist())
                            | set(np.flatnonzero(onset).tolist()))  # also when on now: a lift may end first
        switch_at: list[tuple[int, bool]] = []
        state, blocked, pending = self._state, self._blocked_until, self._pending
        for i in candidates:
            g = start + i
            if 0 <= pending <= g:  # an onset the rise did not confirm: retracted
                state = False
                switch_at.append((pending - start, False))
                blocked = max(blocked, pending + self.window)
                pending = -1
            if gap[i]:
                blocked = max(blocked, g + self.window)
                if state and not at_rest[i]:
                    if held[i]:
                        continue
                    state = False  # the shank came back across the gap: the lift ended in it
                    pending = -1
                    switch_at.append((i, False))
                    continue
            if at_rest[i] and state:
                state = False
                pending = -1
                switch_at.append((i, False))
                continue
            if g < blocked:
                continue
            if kind[i] == 1 and (not state or pending >= 0):
                if not forward[i]:
                    continue
                if state:  # the rise confirms the onset
                    pending = -1
                    blocked = g + self.window
                    continue
                if turning[i]:  # the swing's model error, not a heel: see rise_max_deg_s
                    continue
                state = True
            elif onset[i] and not state:
                state = True
                pending = g + self._confirm
                switch_at.append((i, True))
                continue
            elif kind[i] == -1 and state and pending < 0:
                state = False
            else:
                continue
            switch_at.append((i, state))
            blocked = g + self.window
        if 0 <= pending < start + n:  # retracted within this chunk, after the last event
            state = False
            switch_at.append((pending - start, False))
            blocked = max(blocked, pending + self.window)
            pending = -1
        self._pending = pending
        out = np.full(n, self._state)
        for i, st in switch_at:
            out[i:] = st
        # a lift never lasts into the shank's rest pose
        if self._state or switch_at:
            out &= ~at_rest
        self._state, self._blocked_until = state, blocked
        return out

    def _vertical(self, w: np.ndarray, a: np.ndarray, u: np.ndarray, c: np.ndarray) -> np.ndarray:
        if len(w) < 3:
            return np.zeros(max(len(w) - 2, 0))
        # (a - alpha x r - w (w.r) + r |w|^2) . u - g, term by term: the pivot acceleration
        # (``pivot_acceleration``) is never formed as an (N, 3) array, only its projection on up
        r = self.lever_arm_m
        wm, um = w[1:-1], u[1:-1]
        alpha = np.subtract(w[2:], w[:-2])
        alpha *= 0.5 * self.rate_hz
        d = alpha @ self._r_cross                       # alpha x r (rows)
        np.subtract(a[1:-1], d, out=d)
        vert = np.einsum("ij,ij->i", d, um)
        vert -= (wm @ r) * np.einsum("ij,ij->i", wm, um)
        vert += np.einsum("ij,ij->i", wm, wm) * (um @ r)
        vert -= self.g
        vert[~(c[1:-1] & c[2:])] = 0.0
        return vert

    def _window_rise(self, vert: np.ndarray) -> np.ndarray:
        """Trailing-window double integral with zero velocity at both window ends."""
        hist = self._acc_hist
        a = np.concatenate([hist, vert])
        m = len(a)
        self._acc_hist = a[-(self.window - 1):] if self.window > 1 else np.zeros(0)
        if m == 0:
            return np.zeros(0)
        h = 1.0 / self.rate_hz
        idx = np.arange(m, dtype=float)
        c0, c1 = _cumsum0(a), _cumsum0(a * idx)
        size, k = self.window, len(hist)
        if k == size - 1:  # a full window behind every new sample: slices, and a constant
            # idx * cnt - s_idx == size (size - 1) / 2 (exact in floating point, integers)
            s0 = c0[size:] - c0[:m - k]
            s1 = c1[size:] - c1[:m - k]
            i = idx[k:]
            return h * h * (i * s0 - s1 - (s0 / size) * (size * (size - 1) / 2.0))
        hi = np.arange(1, m + 1)
        lo = np.maximum(hi - self.window, 0)
        s0 = c0[hi] - c0[lo]
        s1 = c1[hi] - c1[lo]
        cnt = (hi - lo).astype(float)
        s_idx = (lo + idx) * cnt / 2.0
        mean = s0 / cnt
        rise = h * h * (idx * s0 - s1 - mean * (idx * cnt - s_idx))
        return rise[len(hist):]


def _trailing_range(x: np.ndarray, size: int, n: int) -> np.ndarray:
    """Max - min over each of the ``n`` windows ``x[j:j + size]`` (``len(x) == size - 1 + n``, ``n <= size``).

    All windows share ``x[n - 1:size]``; window ``j`` adds ``x[j:n - 1]`` on the
    left and ``x[size:size + j]`` on the right: a suffix and a prefix running
    extreme, a few calls instead of ``n`` windows of ``size`` (exact: extremes
    do not round).
    """
    out = []
    for ext, acc in ((np.maximum, np.maximum.accumulate), (np.minimum, np.minimum.accumulate)):
        res = np.full(n, ext.reduce(x[n - 1:size]))
        if n > 1:
            ext(res[:-1], acc(x[n - 2::-1])[::-1], out=res[:-1])
            ext(res[1:], acc(x[size:]), out=res[1:])
        out.append(res)
    return out[0] - out[1]


def _cumsum0(a: np.ndarray) -> np.ndarray:
    """``[0, a0, a0 + a1, ...]`` (``len(a) + 1`` values), the running sum written in place."""
    out = np.empty(len(a) + 1)
    out[0] = 0.0
    np.cumsum(a, out=out[1:])
    return out
