"""Grouping pulses into shots: which pulses one source position and firing time can explain.

Real pulse streams hold echoes, late non-line-of-sight arrivals, several rounds a fraction of a second
apart, and unrelated impulses heard by one or two sensors. The method:

1. Take the earliest pulse not yet explained as a seed (the sensor nearest a shot hears it first).
2. Search a grid of positions around the seed's sensor for the one whose predicted arrival times match
   pulses at the most other sensors (coarse, then fine), taking the earliest matching pulse per sensor
   (a direct path arrives before its own echo).
3. Fit position and firing time, dropping late arrivals (solver.robust_fix).
4. Check the fit against the sensors that stayed silent: a real shot is heard by nearly every sensor close
   to it, while a chance fit through echoes of other rounds predicts arrivals that nobody reported.
5. When that leaves pulses unexplained at enough sensors and the shots found are mostly thin, look for
   bursts (burst.py): rounds from one shooter tracked across sensors by their common steps, which also
   reveals a sensor whose clock is off. A burst's rounds replace the shots they share pulses with, and
   thinner shots among the burst's own sensors during the burst are dropped as chance fits.
6. When every shot is found, give each leftover pulse to the shot whose direct arrival it follows at that
   sensor (echoes and late paths), and report the rest as unrelated impulses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rtcc.engines.gunshot.burst import BurstConfig, ClockOffset, find_bursts
from rtcc.engines.gunshot.solver import Fix, robust_fix

THIN_SHOT = 6  # sensors below which a shot can hardly check itself (one late path looks like a direct one)


@dataclass(frozen=True)
class Pulse:
    id: str
    sensor_id: str
    t: float  # seconds since the caller's reference time
    position: tuple[float, float, float]  # sensor position in the local frame (m)


@dataclass
class Shot:
    fix: Fix
    pulses: list[Pulse]  # direct arrivals that located it, one per sensor
    extra: list[Pulse] = field(default_factory=list)  # echoes and late arrivals of the same shot
    silent_sensors: int = 0  # sensors near enough to have heard it that reported nothing
    clock_offsets: dict[str, ClockOffset] = field(default_factory=dict)  # removed from these sensors' times
    burst_rounds: int = 0  # rounds of the burst that located it (0: located on its own)

    @property
    def sensor_count(self) -> int:
        return len(self.pulses)


@dataclass(frozen=True)
class AssociationConfig:
    min_sensors: int = 5
    search_radius_m: float = 700.0  # how far from the first sensor to hear it a shooter may be
    coarse_cell_m: float = 40.0
    fine_cell_m: float = 8.0
    fit_threshold_s: float = 0.003  # arrivals further than this from the fit are not direct paths
    echo_window_s: float = 0.5  # a leftover pulse this long after a shot's arrival is its echo
    min_round_gap_s: float = 0.05  # the fastest automatic weapons fire about 20 rounds a second
    late_path_s: float = 0.045  # sound around a building arrives up to this much late: the sensor heard it
    # Of the sensors as close to the fix as those that heard it, the share that must have heard it too.
    min_heard_share: float = 0.7
    z_prior_offset_m: float = -8.0  # shooters stand below the rooftop microphones
    bursts: bool = True  # look for bursts when shot-by-shot grouping leaves much unexplained
    burst: BurstConfig = field(default_factory=BurstConfig)


def _grid(center: np.ndarray, radius: float, cell: float) -> np.ndarray:
    steps = np.arange(-radius, radius + cell / 2, cell)
    gx, gy = np.meshgrid(steps, steps)
    keep = gx**2 + gy**2 <= radius**2
    return np.column_stack([center[0] + gx[keep], center[1] + gy[keep]])


class _Pool:
    """All pulses, sorted by time, as arrays."""

    def __init__(self, pulses: Sequence[Pulse]):
        self.pulses = sorted(pulses, key=lambda p: (p.t, p.sensor_id, p.id))
        self.sensor_ids = sorted({p.sensor_id for p in self.pulses})
        index = {s: i for i, s in enumerate(self.sensor_ids)}
        self.t = np.array([p.t for p in self.pulses])
        self.xyz = np.array([p.position for p in self.pulses], dtype=float).reshape(-1, 3)
        self.sensor = np.array([index[p.sensor_id] for p in self.pulses], dtype=int)
        positions = {index[p.sensor_id]: p.position for p in self.pulses}
        self.sensor_xyz = np.array([positions[i] for i in range(len(self.sensor_ids))], dtype=float).reshape(
            -1, 3
        )


def associate(
    pulses: Sequence[Pulse], c: float, config: AssociationConfig | None = None
) -> tuple[list[Shot], list[Pulse]]:
    """Group pulses into shots. Returns the shots (in firing order) and the pulses no shot explains."""
    cfg = config or AssociationConfig()
    pool = _Pool(pulses)
    n = len(pool.pulses)
    free = np.ones(n, dtype=bool)
    tried = np.zeros(n, dtype=bool)
    span = (
        2 * cfg.search_radius_m / c + 6.0
    )  # no direct arrival of a shot comes later than this after its seed
    shots: list[Shot] = []
    while True:
        open_idx = np.flatnonzero(free & ~tried)
        if len(open_idx) == 0:
            break
        s = int(open_idx[0])
        tried[s] = True
        hi = int(np.searchsorted(pool.t, pool.t[s] + span, side="right"))
        shot = _try_seed(pool, s, np.arange(s, hi), free, shots, c, cfg)
        if shot is None:
            continue
        shots.append(shot)
        # Pulses that failed as seeds next to this shot may succeed now that its pulses are out of the way.
        lo = int(np.searchsorted(pool.t, pool.t[s] - span))
        tried[lo:hi] = False
    if cfg.bursts and _burst_worth_trying(pool, shots, free, cfg):
        shots = _merge_bursts(pool, shots, free, c, cfg)
    _assign_echoes(pool, shots, free, c, cfg)
    shots.sort(key=lambda sh: sh.fix.t0)
    return shots, [pool.pulses[k] for k in np.flatnonzero(free)]


def _try_seed(
    pool: _Pool,
    s: int,
    window: np.ndarray,
    free: np.ndarray,
    shots: list[Shot],
    c: float,
    cfg: AssociationConfig,
) -> Shot | None:
    seed_xy, seed_t = pool.xyz[s, :2], pool.t[s]
    w = window[free[window] & (pool.sensor[window] != pool.sensor[s])]
    # Only pulses a shot near the seed's sensor could explain: no later than the sound takes between sensors.
    d_pair = np.sqrt(((pool.xyz[w, :2] - seed_xy) ** 2).sum(axis=1))
    cand = w[pool.t[w] - seed_t <= d_pair / c + 0.01]
    if len(np.unique(pool.sensor[cand])) < cfg.min_sensors - 1:
        return None
    found = _search(cfg, seed_xy, seed_t, pool.xyz[cand, :2], pool.t[cand], pool.sensor[cand], c)
    if found is None:
        return None
    match, start_xy = found
    chosen: dict[int, int] = {int(pool.sensor[s]): s}
    for j in cand[match]:
        chosen.setdefault(int(pool.sensor[j]), int(j))  # cand is in time order: earliest first
    idx = np.array(sorted(chosen.values(), key=lambda k: pool.t[k]))
    z_prior = float(np.min(pool.xyz[idx, 2])) + cfg.z_prior_offset_m
    fix = robust_fix(
        pool.xyz[idx],
        pool.t[idx],
        c,
        z_prior=z_prior,
        threshold_s=cfg.fit_threshold_s,
        min_arrivals=cfg.min_sensors,
        start=np.array([start_xy[0], start_xy[1], z_prior]),
    )
    if fix is None:
        return None
    used = list(idx[fix.used])
    used_sensors = {int(pool.sensor[k]) for k in used}
    # Direct arrivals at sensors the grid did not match (beyond the seed's search, or a late seed).
    predicted = fix.t0 + np.sqrt(((pool.xyz[window] - fix.position) ** 2).sum(axis=1)) / c
    near = window[free[window] & (np.abs(pool.t[window] - predicted) <= cfg.fit_threshold_s)]
    for k in near:
        if int(pool.sensor[k]) not in used_sensors:
            used.append(int(k))
            used_sensors.add(int(pool.sensor[k]))
    for other in shots:
        # No gun fires twice within a few tens of milliseconds: this is the same shot again, through the
        # late paths the first fit left over. They are its late arrivals.
        if (
            abs(other.fix.t0 - fix.t0) < cfg.min_round_gap_s
            and np.linalg.norm(other.fix.position[:2] - fix.position[:2]) < 100
        ):
            return None
    heard, silent = _heard_and_silent(pool, fix, used_sensors, c, cfg)
    if heard < cfg.min_sensors or heard / (heard + silent) < cfg.min_heard_share:
        return None
    free[used] = False
    return Shot(
        fix=fix, pulses=[pool.pulses[k] for k in sorted(used, key=lambda k: pool.t[k])], silent_sensors=silent
    )


def _burst_worth_trying(pool: _Pool, shots: list[Shot], free: np.ndarray, cfg: AssociationConfig) -> bool:
    """Pulses left at enough sensors to make shots of, and the shots found so far mostly thin: what a
    small array hearing several rounds and their echoes looks like. A dense array that located its shots
    with many sensors each does not pay for the search."""
    left_sensors = len(np.unique(pool.sensor[free]))
    if left_sensors < cfg.min_sensors:
        return False
    thin = sum(1 for sh in shots if sh.sensor_count < THIN_SHOT)
    return 2 * thin >= len(shots)


def _merge_bursts(
    pool: _Pool, shots: list[Shot], free: np.ndarray, c: float, cfg: AssociationConfig
) -> list[Shot]:
    rounds = find_bursts(
        pool,
        c,
        min_sensors=cfg.min_sensors,
        threshold_s=cfg.fit_threshold_s,
        z_prior_offset_m=cfg.z_prior_offset_m,
        min_round_gap_s=cfg.min_round_gap_s,
        search_radius_m=cfg.search_radius_m,
        config=cfg.burst,
    )
    if not rounds:
        return shots
    by_id = {p.id: k for k, p in enumerate(pool.pulses)}
    claimed = {k for r in rounds for k in r.heard}
    lo = min(r.fix.t0 for r in rounds) - cfg.burst.max_gap_s
    hi = max(r.fix.t0 for r in rounds) + cfg.burst.max_gap_s
    fullest = max(len(r.used) for r in rounds)
    burst_sensors = {int(pool.sensor[k]) for r in rounds for k in r.heard}
    kept: list[Shot] = []
    for shot in shots:
        idx = [by_id[p.id] for p in shot.pulses]
        if claimed & set(idx):
            free[idx] = True  # the burst explains these pulses better
            continue
        if (
            lo <= shot.fix.t0 <= hi
            and shot.sensor_count < fullest
            and {int(pool.sensor[k]) for k in idx} <= burst_sensors
        ):
            # A thinner fit among the burst's own sensors while they were busy hearing its rounds and
            # their echoes: chance is the likelier explanation, and the fuller rounds are believed instead.
            free[idx] = True
            continue
        kept.append(shot)
    ids = pool.sensor_ids
    for r in rounds:
        free[r.used] = False
        kept.append(
            Shot(
                fix=r.fix,
                pulses=[pool.pulses[k] for k in sorted(r.used, key=lambda k: pool.t[k])],
                clock_offsets={ids[s]: o for s, o in r.clock_offsets.items()},
                burst_rounds=r.burst_rounds,
            )
        )
    return kept


def _heard_and_silent(
    pool: _Pool, fix: Fix, used_sensors: set[int], c: float, cfg: AssociationConfig
) -> tuple[int, int]:
    """Sensors at least as close to the fix as the farthest that heard it: how many reported a pulse at the
    predicted time or a little after it (a late path), in any state (another shot may have claimed it by
    mistake), and how many did not."""
    dist = np.sqrt(((pool.sensor_xyz - fix.position) ** 2).sum(axis=1))
    reach = max(dist[list(used_sensors)]) if used_sensors else 0.0
    heard = silent = 0
    for sensor in np.flatnonzero(dist <= reach):
        if int(sensor) in used_sensors:
            heard += 1
            continue
        expected = fix.t0 + dist[sensor] / c
        lo = np.searchsorted(pool.t, expected - cfg.fit_threshold_s)
        hi = np.searchsorted(pool.t, expected + cfg.late_path_s)
        if np.any(pool.sensor[lo:hi] == sensor):
            heard += 1
        else:
            silent += 1
    return heard, silent


def _assign_echoes(
    pool: _Pool, shots: list[Shot], free: np.ndarray, c: float, cfg: AssociationConfig
) -> None:
    """A leftover pulse that follows a shot's arrival at the same sensor within the echo window is that shot's
    echo or late path; the latest such shot wins (rounds follow each other closely)."""
    if not shots:
        return
    arrival = np.array(
        [
            [
                sh.fix.t0 + float(np.linalg.norm(pool.sensor_xyz[i] - sh.fix.position)) / c
                for i in range(len(pool.sensor_ids))
            ]
            for sh in shots
        ]
    )  # (shots, sensors)
    for k in np.flatnonzero(free):
        lag = pool.t[k] - arrival[:, pool.sensor[k]]
        ok = np.flatnonzero((lag > 0) & (lag <= cfg.echo_window_s))
        if len(ok):
            best = int(ok[np.argmin(lag[ok])])
            shots[best].extra.append(pool.pulses[k])
            free[k] = False


def _best_cell(
    cells: np.ndarray,
    seed_xy: np.ndarray,
    seed_t: float,
    cand_xy: np.ndarray,
    cand_t: np.ndarray,
    groups: np.ndarray,
    order: np.ndarray,
    c: float,
    tol: float,
) -> tuple[int, np.ndarray, int]:
    """The cell whose predictions match pulses at the most distinct sensors, its match mask, and the count."""
    t0 = seed_t - np.sqrt(((cells - seed_xy) ** 2).sum(axis=1)) / c
    d = np.sqrt(((cells[:, None, :] - cand_xy[None, :, :]) ** 2).sum(axis=2))
    mismatch = np.abs(cand_t[None, :] - (t0[:, None] + d / c))
    match = mismatch <= tol
    # Distinct sensors per cell: candidates sorted by sensor, any match per sensor group.
    per_sensor = np.logical_or.reduceat(match[:, order], groups, axis=1)
    counts = per_sensor.sum(axis=1)
    score = counts - 1e-3 * np.where(match, mismatch, 0.0).sum(axis=1) / tol
    best = int(np.argmax(score))
    return best, match[best], int(counts[best])


def _search(
    cfg: AssociationConfig,
    seed_xy: np.ndarray,
    seed_t: float,
    cand_xy: np.ndarray,
    cand_t: np.ndarray,
    cand_sensor: np.ndarray,
    c: float,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Coarse then fine grid search; the match mask over candidates at the best fine cell, and that cell."""
    order = np.argsort(cand_sensor, kind="stable")
    groups = np.flatnonzero(np.r_[True, np.diff(cand_sensor[order]) != 0])
    # The timing tolerance covers how far the true position can be from a cell centre (both paths).
    coarse = _grid(seed_xy, cfg.search_radius_m, cfg.coarse_cell_m)
    tol = 2 * cfg.coarse_cell_m * 0.7072 / c + cfg.fit_threshold_s
    best, _, count = _best_cell(coarse, seed_xy, seed_t, cand_xy, cand_t, groups, order, c, tol)
    if count < cfg.min_sensors - 1:
        return None
    fine = _grid(coarse[best], cfg.coarse_cell_m, cfg.fine_cell_m)
    tol = 2 * cfg.fine_cell_m * 0.7072 / c + cfg.fit_threshold_s
    best, match, count = _best_cell(fine, seed_xy, seed_t, cand_xy, cand_t, groups, order, c, tol)
    if count < cfg.min_sensors - 1:
        return None
    return match, fine[best]
