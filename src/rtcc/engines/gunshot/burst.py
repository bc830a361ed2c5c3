"""Bursts: several rounds from one shooter, tracked across sensors, with per-sensor clock offsets.

A small array (a handful of sensors, each reporting many echoes) defeats shot-by-shot grouping: with six
sensors and a dozen pulses each within a few seconds, chance sets of four or five pulses fit some position
as well as a real shot does, and one sensor whose clock is off by tens of milliseconds leaves the real shot
with too few consistent arrivals. A burst carries evidence that a single shot does not:

- Between two rounds, every sensor's arrival moves by about the same step (the time between the rounds).
  A sensor's clock offset cancels in that step, and a moving shooter changes it only slowly (by at most
  twice its travel over the step, divided by the speed of sound), so the next round is predicted from this
  one without knowing where the shooter is or whose clock is right.
- Chance fits do not repeat: a round is accepted only when its pulses also fit one position, near the
  previous round's, as far as a shooter in a vehicle could have moved.
- A sensor whose arrivals come early against the other sensors' fit by the same amount round after round
  has a clock offset (no sound path is faster than the straight one): it is estimated from the other
  sensors, removed, named in the result with its uncertainty, and the sensor is used.

The pass runs after shot-by-shot grouping, when that grouping leaves pulses unexplained at enough sensors
and its shots are mostly thin (association.py). The burst's rounds replace the shots they share pulses
with; thinner shots among the burst's own sensors during the burst are taken for chance fits and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from rtcc.engines.gunshot.solver import Fix, residuals_and_jacobian, robust_fix

# Arrivals that over-determine a shot (position, firing time and, weakly, height): fewer fit anything.
OVERDETERMINED = 5
LEAVE_ONE_OUT_MAX = 8  # arrivals up to which every leave-one-out fit is tried (a few sensors, each matters)


@dataclass(frozen=True)
class BurstConfig:
    max_gap_s: float = 3.0  # longest pause between two rounds of one burst
    step_window_s: float = 0.05  # how far a sensor's arrival may stray from the predicted step
    max_speed_mps: float = 30.0  # a shooter firing from a moving vehicle
    max_clock_offset_s: float = 0.1  # larger disagreements are not taken for a sensor's clock
    min_rounds: int = 3  # rounds that must agree before a burst (and any clock offset) is believed
    seeds: int = 64  # best single-round candidates tracked into bursts
    cells_per_seed: int = 4  # positions per seed pulse kept from the coarse search


@dataclass(frozen=True)
class ClockOffset:
    # How much later than the other sensors' fit predicts the sensor reports (negative: earlier).
    offset_s: float
    sigma_s: float  # one standard error
    rounds: int  # rounds that showed it


@dataclass
class Round:
    members: dict[int, int]  # sensor index -> pool index of its pulse in this round (clock offset included)
    fix: Fix


def fit_round(
    xyz: np.ndarray,
    t: np.ndarray,
    c: float,
    *,
    z_prior: float,
    threshold_s: float,
    min_arrivals: int,
) -> Fix | None:
    """Robust fit that, for a few arrivals, also tries leaving each one out and keeps the fit that keeps
    the most arrivals (then the lowest cost). Dropping the worst residual first goes wrong when one arrival
    is early (a clock error): the fit bends towards it and a good arrival looks worst."""
    best = robust_fix(xyz, t, c, z_prior=z_prior, threshold_s=threshold_s, min_arrivals=min_arrivals)
    n = len(t)
    if n > LEAVE_ONE_OUT_MAX or n - 1 < min_arrivals or (best is not None and len(best.used) >= n - 1):
        return best
    for k in range(n):
        keep = [i for i in range(n) if i != k]
        fix = robust_fix(
            xyz[keep], t[keep], c, z_prior=z_prior, threshold_s=threshold_s, min_arrivals=min_arrivals
        )
        if fix is None:
            continue
        fix.used = [keep[i] for i in fix.used]
        fix.rejected = sorted(set(range(n)) - set(fix.used))
        if best is None or (len(fix.used), -fix.cost) > (len(best.used), -best.cost):
            best = fix
    return best


def predicted_arrival(fix: Fix, position: np.ndarray) -> float:
    return fix.t0 + float(np.linalg.norm(position - fix.position)) / fix.speed_of_sound


def predicted_arrival_sigma(fix: Fix, position: np.ndarray) -> float:
    """Standard error of the predicted arrival at a position, from the fit's covariance (position, firing
    time and speed of sound: far sensors depend on the speed of sound, which trades off with a clock)."""
    diff = fix.position - position
    dist = max(float(np.linalg.norm(diff)), 1e-6)
    slowness = 1.0 / fix.speed_of_sound
    jac = np.array([*(slowness * diff / dist), 1.0, dist])
    var = float(jac @ fix.covariance @ jac)
    return float(np.sqrt(var)) if np.isfinite(var) and var > 0 else float("inf")


def estimate_clock_offsets(
    xyz: np.ndarray,
    rounds: list[list[tuple[int, float]]],
    c: float,
    *,
    z_prior: float,
    threshold_s: float,
    min_arrivals: int,
    min_rounds: int,
    max_offset_s: float,
) -> dict[int, ClockOffset]:
    """Sensors whose arrivals disagree with the other sensors' fit by the same amount in many rounds.

    ``rounds`` holds, per round, (sensor index, arrival time) pairs. For each sensor and round, the other
    sensors are fitted and the sensor's arrival compared with the fit's prediction. A sensor is given a
    clock offset when, in at least ``min_rounds`` rounds, it reports well ahead of the prediction (beyond
    twice the timing threshold, within ``max_offset_s``), by the same amount to within the threshold.
    The offset is what the sensor's times must lose."""
    found: dict[int, ClockOffset] = {}
    sensors = sorted({s for r in rounds for s, _ in r})
    for sensor in sensors:
        lags: list[float] = []
        sigmas: list[float] = []
        for members in rounds:
            mine = [t for s, t in members if s == sensor]
            others = [(s, t) for s, t in members if s != sensor]
            if not mine or len(others) < min_arrivals:
                continue
            idx = np.array([s for s, _ in others])
            fix = fit_round(
                xyz[idx],
                np.array([t for _, t in others]),
                c,
                z_prior=z_prior,
                threshold_s=threshold_s,
                min_arrivals=min_arrivals,
            )
            # The others must over-determine the shot: four arrivals fit any position exactly, and a
            # lag measured against such a fit says nothing about this sensor's clock.
            if fix is None or len(fix.used) < OVERDETERMINED:
                continue
            lags.append(mine[0] - predicted_arrival(fix, xyz[sensor]))
            sigmas.append(predicted_arrival_sigma(fix, xyz[sensor]))
        if len(lags) < min_rounds:
            continue
        a = np.array(lags)
        offset = float(np.median(a))
        consistent = np.abs(a - offset) <= threshold_s
        spread = float(np.std(a[consistent])) if consistent.any() else float("inf")
        # Only early: no sound path arrives before the straight one, but a clock can be behind. A sensor
        # that is late by the same amount every round may as well hear every round around the same
        # building, so it is left to the fit to drop, not corrected.
        if (
            int(consistent.sum()) >= min_rounds
            and -max_offset_s <= offset < -2 * threshold_s
            and spread <= threshold_s
        ):
            # Each round's prediction is uncertain by about the same amount, and mostly in the same way
            # (the speed of sound): the scatter between rounds and that uncertainty both stay.
            sigma = float(np.hypot(spread, np.median(np.array(sigmas)[consistent])))
            found[sensor] = ClockOffset(offset, sigma, int(consistent.sum()))
    # With few sensors a large error at one makes the others look off too: keep the largest offsets only,
    # leaving enough sensors with their own clocks to locate with.
    keep = max(0, len(sensors) - OVERDETERMINED)
    ranked = sorted(found.items(), key=lambda kv: -abs(kv[1].offset_s))[:keep]
    return dict(ranked)


class PoolLike(Protocol):
    t: np.ndarray  # arrival time per pulse, ascending (s)
    xyz: np.ndarray  # hearing sensor's position per pulse
    sensor: np.ndarray  # hearing sensor's index per pulse
    sensor_xyz: np.ndarray  # position per sensor index


@dataclass
class BurstRound:
    fix: Fix
    used: list[int]  # pool indices of the arrivals that located it
    heard: list[int]  # pool indices of every sensor's pulse in this round, kept or not
    clock_offsets: dict[int, ClockOffset] = field(default_factory=dict)  # sensor index -> offset removed
    burst_rounds: int = 0  # rounds of its burst that were located


class _Burst:
    def __init__(
        self,
        pool: PoolLike,
        c: float,
        *,
        min_sensors: int,
        threshold_s: float,
        z_prior_offset_m: float,
        min_round_gap_s: float,
        search_radius_m: float,
        cfg: BurstConfig,
    ):
        self.pool = pool
        self.c = c
        self.min_sensors = min_sensors
        self.threshold_s = threshold_s
        self.min_round_gap_s = min_round_gap_s
        self.search_radius_m = search_radius_m
        self.cfg = cfg
        self.z_prior = float(np.min(pool.sensor_xyz[:, 2])) + z_prior_offset_m
        n_sensors = len(pool.sensor_xyz)
        self.by_sensor = [np.flatnonzero(pool.sensor == s) for s in range(n_sensors)]
        self._fits: dict[tuple[int, ...], Fix | None] = {}

    def fit(self, idx: list[int], offsets: dict[int, float] | None = None) -> Fix | None:
        """Fit of these pulses; without offsets the same set is asked for again and again (every seed
        of a burst tracks through the same rounds), so those fits are kept."""
        key = tuple(sorted(idx))
        if not offsets and key in self._fits:
            return self._fits[key]
        p = self.pool
        t = p.t[idx].copy()
        if offsets:
            t -= np.array([offsets.get(int(p.sensor[k]), 0.0) for k in idx])
        fix = fit_round(
            p.xyz[idx],
            t,
            self.c,
            z_prior=self.z_prior,
            threshold_s=self.threshold_s,
            min_arrivals=self.min_sensors - 1,
        )
        if not offsets:
            self._fits[key] = fix
        return fix

    # -- single-round candidates -------------------------------------------------------------------

    def candidates(self) -> list[tuple[int, float, dict[int, int], Fix]]:
        """For each pulse as the first arrival, the positions of a coarse grid that match the most sensors
        (several, not only the best: with few sensors a chance position often matches as many), refined,
        fitted. Returns (arrivals kept, -rms, members, fix), best first."""
        p = self.pool
        out: list[tuple[int, float, dict[int, int], Fix]] = []
        seen: set[frozenset[int]] = set()
        coarse_cell = 40.0
        steps = np.arange(-self.search_radius_m, self.search_radius_m + coarse_cell / 2, coarse_cell)
        gx, gy = np.meshgrid(steps, steps)
        inside = gx**2 + gy**2 <= self.search_radius_m**2
        offsets = np.column_stack([gx[inside], gy[inside]])
        fine_steps = np.arange(-coarse_cell, coarse_cell + 4.0, 8.0)
        fx, fy = np.meshgrid(fine_steps, fine_steps)
        fine_offsets = np.column_stack([fx.ravel(), fy.ravel()])
        span = 2 * self.search_radius_m / self.c + self.cfg.max_clock_offset_s
        located: set[int] = set()  # pulses already kept by a candidate that located with enough sensors
        for s in range(len(p.t)):
            if s in located:
                continue  # a later arrival of a round already found would find it again
            lo, hi = s + 1, int(np.searchsorted(p.t, p.t[s] + span, side="right"))
            w = np.arange(lo, hi)
            w = w[p.sensor[w] != p.sensor[s]]
            if len(np.unique(p.sensor[w])) < self.min_sensors - 1:
                continue
            seed_xy = p.xyz[s, :2]
            cells = seed_xy + offsets
            counts, _ = self._match(cells, s, w, 2 * coarse_cell * 0.7072 / self.c + self.threshold_s)
            order = np.argsort(-counts, kind="stable")
            picked: list[np.ndarray] = []
            for i in order:
                if int(counts[i]) < self.min_sensors - 1 or len(picked) >= self.cfg.cells_per_seed:
                    break
                if any(np.abs(cells[i] - q).max() <= 2 * coarse_cell for q in picked):
                    continue
                picked.append(cells[i])
            for centre in picked:
                fine = centre + fine_offsets
                tol = 2 * 8.0 * 0.7072 / self.c + self.threshold_s
                f_counts, f_match = self._match(fine, s, w, tol)
                best = int(np.argmax(f_counts))
                members = {int(p.sensor[s]): s}
                for j in w[f_match[best]]:
                    members.setdefault(int(p.sensor[j]), int(j))
                key = frozenset(members.values())
                if key in seen or len(members) < self.min_sensors:
                    continue
                seen.add(key)
                idx = sorted(members.values())
                fix = self.fit(idx)
                if fix is None:
                    continue
                if len(fix.used) >= self.min_sensors:
                    located.update(idx[i] for i in fix.used)
                out.append((len(fix.used), -fix.rms_s, self.round_members(members, idx, fix), fix))
        out.sort(key=lambda x: (x[0], x[1]), reverse=True)
        return out

    def round_members(self, members: dict[int, int], idx: list[int], fix: Fix) -> dict[int, int]:
        """The round's pulse at every sensor: the fitted ones, and at the other sensors the pulse nearest
        the fit's prediction within a clock offset (the grid may have matched an echo there, or missed a
        sensor whose clock is far off)."""
        p = self.pool
        kept = {int(p.sensor[idx[i]]): idx[i] for i in fix.used}
        for s in range(len(self.by_sensor)):
            if s in kept:
                continue
            expected = predicted_arrival(fix, p.sensor_xyz[s])
            ks = self.by_sensor[s]
            lag = p.t[ks] - expected
            # A sensor the grid matched may be off either way; one it did not is looked at only for an
            # early pulse (a clock behind), since a late one is as likely an echo.
            late = self.cfg.max_clock_offset_s if s in members else self.threshold_s
            ks, lag = (
                ks[(lag >= -self.cfg.max_clock_offset_s) & (lag <= late)],
                lag[(lag >= -self.cfg.max_clock_offset_s) & (lag <= late)],
            )
            if len(ks):
                kept[s] = int(ks[np.argmin(np.abs(lag))])
        return kept

    def _match(self, cells: np.ndarray, s: int, w: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
        """Per cell, the distinct sensors (besides the seed's) with a pulse where it predicts one (plus a
        fraction for how close they are), and the matches."""
        p = self.pool
        seed_t = p.t[s]
        t0 = seed_t - np.sqrt(((cells - p.xyz[s, :2]) ** 2).sum(axis=1)) / self.c
        d = np.sqrt(((cells[:, None, :] - p.xyz[w, :2][None, :, :]) ** 2).sum(axis=2))
        # The tolerance covers the cell's size (on both paths) and the timing threshold; the fit decides.
        mismatch = p.t[w][None, :] - (t0[:, None] + d / self.c)
        match = np.abs(mismatch) <= tol
        sensors = p.sensor[w]
        counts = np.zeros(len(cells))
        closeness = np.zeros(len(cells))
        for sensor in np.unique(sensors):
            mine = np.abs(mismatch[:, sensors == sensor])
            counts += match[:, sensors == sensor].any(axis=1)
            closeness += np.clip(1.0 - mine.min(axis=1) / tol, 0.0, 1.0)
        # Ties in the count (common with few sensors) go to the cell whose matches are closest.
        return counts + 1e-3 * closeness, match

    # -- tracking ------------------------------------------------------------------------------------

    def track(self, members: dict[int, int], fix: Fix, direction: int, taken: set[int]) -> list[Round]:
        """Rounds after (direction 1) or before (-1) a round, each predicted from the last by a common
        step, every sensor's step stretched by how its own last step differed from the common one."""
        p, cfg = self.pool, self.cfg
        sensors = sorted(members)
        prev = {s: float(p.t[k]) for s, k in members.items()}
        drift = dict.fromkeys(sensors, 0.0)
        need = max(self.min_sensors, len(sensors) - 1)
        last_fix = fix
        rounds: list[Round] = []
        claimed = set(taken) | set(members.values())

        def pick(step: float) -> dict[int, int]:
            chosen: dict[int, int] = {}
            for s in sensors:
                expected = prev[s] + direction * step * (1.0 + drift[s])
                ks = self.by_sensor[s]
                ks = ks[np.abs(p.t[ks] - expected) <= cfg.step_window_s]
                ks = np.array([k for k in ks if int(k) not in claimed], dtype=int)
                if len(ks):
                    chosen[s] = int(ks[np.argmin(np.abs(p.t[ks] - expected))])
            return chosen

        while True:
            steps = sorted(
                {
                    round(direction * (float(p.t[k]) - prev[s]) / (1.0 + drift[s]), 4)
                    for s in sensors
                    for k in self.by_sensor[s]
                    if self.min_round_gap_s < direction * (float(p.t[k]) - prev[s]) <= cfg.max_gap_s
                }
            )
            accepted: tuple[dict[int, int], Fix, float] | None = None
            for step in steps:
                chosen = pick(step)
                if len(chosen) < need:
                    continue
                common = float(np.median([direction * (p.t[k] - prev[s]) for s, k in chosen.items()]))
                chosen = pick(common)
                if len(chosen) < need:
                    continue
                new_fix = self.fit(sorted(chosen.values()))
                if new_fix is None:
                    continue
                moved = float(np.linalg.norm(new_fix.position[:2] - last_fix.position[:2]))
                reach = cfg.max_speed_mps * abs(new_fix.t0 - last_fix.t0) + 20.0
                if moved > reach or direction * (new_fix.t0 - last_fix.t0) < self.min_round_gap_s:
                    continue
                accepted = (chosen, new_fix, common)
                break
            if accepted is None:
                return rounds
            chosen, new_fix, common = accepted
            for s in sensors:
                if s in chosen:
                    drift[s] = direction * (float(p.t[chosen[s]]) - prev[s]) / common - 1.0
                    prev[s] = float(p.t[chosen[s]])
                else:
                    prev[s] += direction * common * (1.0 + drift[s])
            claimed |= set(chosen.values())
            rounds.append(Round(chosen, new_fix))
            last_fix = new_fix


def find_bursts(
    pool: PoolLike,
    c: float,
    *,
    min_sensors: int,
    threshold_s: float,
    z_prior_offset_m: float,
    min_round_gap_s: float,
    search_radius_m: float,
    config: BurstConfig | None = None,
) -> list[BurstRound]:
    """Rounds of the bursts in the pool, located with any clock offsets removed, in firing order."""
    cfg = config or BurstConfig()
    b = _Burst(
        pool,
        c,
        min_sensors=min_sensors,
        threshold_s=threshold_s,
        z_prior_offset_m=z_prior_offset_m,
        min_round_gap_s=min_round_gap_s,
        search_radius_m=search_radius_m,
        cfg=cfg,
    )
    taken: set[int] = set()
    found: list[BurstRound] = []
    candidates = b.candidates()
    while True:
        best: list[Round] | None = None
        covered: set[int] = set()
        for _, _, members, fix in [x for x in candidates if not (set(x[2].values()) & taken)][: cfg.seeds]:
            if set(members.values()) <= covered:
                continue  # a round of the best burst so far: it would track the same burst again
            # Every sensor's pulse in the seed round, kept by the fit or not: a sensor off by its clock is
            # still tracked, since its steps are right.
            rounds = [
                *reversed(b.track(members, fix, -1, taken)),
                Round(members, fix),
                *b.track(members, fix, 1, taken),
            ]
            if best is None or _score(rounds) > _score(best):
                best = rounds
                covered = {k for r in rounds for k in r.members.values()}
        if best is None or len(best) < cfg.min_rounds:
            return sorted(found, key=lambda r: r.fix.t0)
        located = _locate_rounds(b, best)
        if len(located) < cfg.min_rounds:
            return sorted(found, key=lambda r: r.fix.t0)
        found.extend(located)
        for r in best:
            taken |= set(r.members.values())


def _add_offset_uncertainty(fix: Fix, xyz: np.ndarray, offsets: list[ClockOffset | None]) -> None:
    """A corrected sensor's arrival is only as good as the offset removed from it: carry that error into
    the fix's covariance (how far the solution moves per second at that arrival, times the offset's
    standard error), so the reported ellipse does not take the correction as exact."""
    if not any(offsets) or not np.all(np.isfinite(fix.covariance)):
        return
    theta = np.array([*fix.position, fix.t0, 1.0 / fix.speed_of_sound])
    _, jac = residuals_and_jacobian(theta, xyz, np.zeros(len(xyz)))
    gain = fix.covariance / fix.sigma_t**2  # (J'J + priors)^-1
    for row, offset in zip(jac, offsets, strict=True):
        if offset is None:
            continue
        moved = gain @ row * offset.sigma_s
        fix.covariance = fix.covariance + np.outer(moved, moved)


def _score(rounds: list[Round]) -> tuple[int, int]:
    return len(rounds), sum(len(r.members) for r in rounds)


def _locate_rounds(b: _Burst, rounds: list[Round]) -> list[BurstRound]:
    """Estimate clock offsets over the burst, then locate every round with them removed."""
    p = b.pool
    offsets_by_sensor = estimate_clock_offsets(
        p.sensor_xyz,
        [[(s, float(p.t[k])) for s, k in r.members.items()] for r in rounds],
        b.c,
        z_prior=b.z_prior,
        threshold_s=b.threshold_s,
        min_arrivals=b.min_sensors - 1,
        min_rounds=b.cfg.min_rounds,
        max_offset_s=b.cfg.max_clock_offset_s,
    )
    offsets = {s: o.offset_s for s, o in offsets_by_sensor.items()}
    out: list[BurstRound] = []
    for r in rounds:
        idx = sorted(r.members.values())
        fix = b.fit(idx, offsets)
        if fix is None:
            continue
        used = [idx[i] for i in fix.used]
        if len(used) < b.min_sensors:
            continue
        applied = {
            int(p.sensor[k]): offsets_by_sensor[int(p.sensor[k])]
            for k in used
            if int(p.sensor[k]) in offsets_by_sensor
        }
        _add_offset_uncertainty(fix, p.xyz[used], [applied.get(int(p.sensor[k])) for k in used])
        out.append(BurstRound(fix, used, idx, applied))
    for located in out:
        located.burst_rounds = len(out)
    return out
