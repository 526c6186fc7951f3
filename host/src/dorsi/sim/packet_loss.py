"""Bursty BLE packet loss: a two-state (Gilbert) Markov chain over packets.

The link alternates between a *good* state (packets delivered) and a *bad*
state (packets lost). Run lengths are geometric: bad runs have mean ``B``
packets (``P(bad -> good) = 1/B``) and good runs mean ``B (1 - p) / p`` so that
the long-run loss fraction is ``p``. A lost packet removes all of its samples,
so the surviving ``seq`` indices jump over the gap.
"""

from __future__ import annotations

import numpy as np


class BurstLoss:
    """Drop whole packets of consecutive samples in bursts.

    Parameters
    ----------
    loss : float
        Long-run fraction of packets lost, in [0, 0.5).
    mean_burst_packets : float
        Mean number of consecutive packets lost per burst (>= 1).
    samples_per_packet : int
        Samples carried by one packet; packet ``k`` holds samples ``k*S .. k*S+S-1``.
    """

    def __init__(self, loss: float, mean_burst_packets: float = 3.0, samples_per_packet: int = 11) -> None:
        if not 0.0 <= loss < 0.5:
            raise ValueError(f"loss must be in [0, 0.5), got {loss}")
        if mean_burst_packets < 1.0:
            raise ValueError("mean_burst_packets must be >= 1")
        if samples_per_packet < 1:
            raise ValueError("samples_per_packet must be >= 1")
        self.loss = loss
        self.mean_burst_packets = mean_burst_packets
        self.samples_per_packet = samples_per_packet

    def apply(self, n_samples: int, rng: np.random.Generator) -> "BurstLoss":
        """Decide the fate of ``n_samples`` samples.

        Results: ``packet_lost_`` (P,) bool, ``keep_`` (n_samples,) bool,
        ``bursts_`` list of ``(first_lost_sample, last_lost_sample_plus_one)``.
        """
        n_packets = -(-n_samples // self.samples_per_packet)
        lost = np.zeros(n_packets, dtype=bool)
        if self.loss > 0 and n_packets > 0:
            mean_good = min(self.mean_burst_packets * (1.0 - self.loss) / self.loss, 1e15)
            # enough alternating runs to cover every packet, then fill
            k = int(2 * n_packets / (mean_good + self.mean_burst_packets)) + 16
            while True:
                good = rng.geometric(1.0 / mean_good, k)
                bad = rng.geometric(1.0 / self.mean_burst_packets, k)
                if good.sum() + bad.sum() >= n_packets:
                    break
                k *= 2
            # start in the good state with a random phase so bursts are not aligned to t=0
            starts_bad = np.cumsum(good) + np.concatenate(([0], np.cumsum(bad)[:-1]))
            starts_bad -= int(rng.integers(0, max(1, good[0])))
            ends_bad = starts_bad + bad
            delta = np.zeros(n_packets + 1, dtype=np.int64)
            np.add.at(delta, np.clip(starts_bad, 0, n_packets), 1)
            np.add.at(delta, np.clip(ends_bad, 0, n_packets), -1)
            lost = np.cumsum(delta[:-1]) > 0
        self.packet_lost_ = lost
        self.keep_ = ~np.repeat(lost, self.samples_per_packet)[:n_samples]
        edges = np.diff(np.concatenate(([0], lost.astype(np.int8), [0])))
        first = np.flatnonzero(edges == 1)
        last = np.flatnonzero(edges == -1)
        size = self.samples_per_packet
        self.bursts_ = [(int(a) * size, min(int(b) * size, n_samples)) for a, b in zip(first, last)]
        return self
