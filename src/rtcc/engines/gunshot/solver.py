"""Multilateration from times of arrival: a Levenberg-Marquardt fit of position and firing time.

Each sensor i at p_i hears the shot at t_i = t0 + |x - p_i| / c. Solving for x and t0 together is the
time-difference-of-arrival problem with the unknown firing time kept explicit; c itself is refined
around the value the air temperature gives. Sensors sit on rooftops in
a nearly flat layer, so height is poorly determined by timing alone: a weak prior keeps the shooter near
street level and the horizontal fit well conditioned. Late arrivals (sound that went around a building)
are removed one at a time while the worst residual is out of line with the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# Chi-square quantile, 2 degrees of freedom, 90%: scales 1-sigma ellipse axes to the 90% ellipse.
CHI2_2D_90 = 4.605170185988092


@dataclass(frozen=True)
class Uncertainty:
    """Horizontal uncertainty: the 90% error ellipse and the radius of a 90% circle, in metres."""

    semi_major_m: float
    semi_minor_m: float
    orientation_deg: float  # of the major axis, clockwise from north
    radius_90_m: float
    hdop: float  # horizontal dilution of precision: metres of error per metre of timing error

    def as_dict(self) -> dict[str, float]:
        return {
            "ellipse_semi_major_m": round(self.semi_major_m, 2),
            "ellipse_semi_minor_m": round(self.semi_minor_m, 2),
            "ellipse_orientation_deg": round(self.orientation_deg, 1),
            "radius_90_m": round(self.radius_90_m, 2),
            "hdop": round(self.hdop, 2),
        }


@dataclass
class Fix:
    position: np.ndarray  # east, north, up in the local frame (m)
    t0: float  # firing time, seconds relative to the caller's reference
    used: list[int]  # indices of the arrivals kept
    rejected: list[int] = field(default_factory=list)  # indices removed as late or outlying
    residuals_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    covariance: np.ndarray = field(default_factory=lambda: np.eye(5))  # east, north, up, t0, slowness
    cost: float = math.inf
    sigma_t: float = 0.001  # timing error the covariance assumes (s)
    speed_of_sound: float = math.nan  # fitted (m/s)

    @property
    def rms_s(self) -> float:
        return float(np.sqrt(np.mean(self.residuals_s**2))) if len(self.residuals_s) else math.inf

    def uncertainty(self, c: float) -> Uncertainty:
        cov = self.covariance[:2, :2]
        values, vectors = np.linalg.eigh(cov)
        values = np.clip(values, 0.0, None)
        major, minor = math.sqrt(values[1]), math.sqrt(values[0])
        east, north = vectors[0, 1], vectors[1, 1]
        orientation = math.degrees(math.atan2(east, north)) % 180.0
        k = math.sqrt(CHI2_2D_90)
        # A circle holding 90%: exact for a round error, 1.645 sigma of the long axis when it is very long.
        radius = max(k * math.sqrt((major**2 + minor**2) / 2), 1.6449 * major)
        hdop = float(math.sqrt(np.trace(cov)) / (c * self.sigma_t))
        return Uncertainty(k * major, k * minor, orientation, radius, hdop)


def residuals_and_jacobian(theta: np.ndarray, p: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Timing residuals and their Jacobian for theta = (east, north, up, t0, slowness)."""
    diff = theta[:3] - p
    dist = np.maximum(np.sqrt((diff**2).sum(axis=1)), 1e-6)
    slowness = theta[4]
    r = (t - theta[3]) - dist * slowness
    jac = np.empty((len(t), 5))
    jac[:, :3] = -slowness * diff / dist[:, None]
    jac[:, 3] = -1.0
    jac[:, 4] = -dist
    return r, jac


def least_squares_fix(
    p: np.ndarray,
    t: np.ndarray,
    c: float,
    *,
    z_prior: float,
    z_sigma_m: float = 15.0,
    c_sigma_rel: float = 0.01,
    timing_sigma_s: float = 0.0013,
    start: np.ndarray | None = None,
    max_iter: int = 15,
) -> Fix:
    """Fit position, firing time and the speed of sound to all given arrivals (no rejection).

    The speed of sound comes from the air temperature, which is rarely known to a degree where the shot was:
    it is fitted too, held near the temperature's value by a prior (1%, about 6 degrees), so that many
    sensors can correct it and few cannot pull it astray."""
    n = len(t)
    s0 = 1.0 / c
    priors = np.array(
        [timing_sigma_s / z_sigma_m, timing_sigma_s / (s0 * c_sigma_rel)]
    )  # weights of z, slowness
    centre = np.array([z_prior, s0])
    if start is not None:
        starts = [np.asarray(start, dtype=float)]
    else:
        # From the first sensor to hear it (the shooter is usually nearest to it) and from the middle.
        first = int(np.argmin(t))
        centroid = p.mean(axis=0)
        starts = [
            np.array([*(0.9 * p[first, :2] + 0.1 * centroid[:2]), z_prior]),
            np.array([*centroid[:2], z_prior]),
        ]
    best: Fix | None = None
    best_jac = np.zeros((n, 5))
    for st in starts:
        d0 = np.sqrt(((st - p) ** 2).sum(axis=1))
        theta = np.array([*st, float(np.mean(t - d0 * s0)), s0])
        lam = 1e-3
        r, jac = residuals_and_jacobian(theta, p, t)
        rp = priors * (theta[[2, 4]] - centre)
        cost = float(r @ r + rp @ rp)
        for _ in range(max_iter):
            jtj = jac.T @ jac
            jtj[2, 2] += priors[0] ** 2
            jtj[4, 4] += priors[1] ** 2
            grad = jac.T @ r
            grad[2] += priors[0] * rp[0]
            grad[4] += priors[1] * rp[1]
            improved = False
            step = np.zeros(5)
            for _ in range(10):
                a = jtj + lam * np.diag(np.diag(jtj) + 1e-18)
                try:
                    step = np.linalg.solve(a, -grad)
                except np.linalg.LinAlgError:
                    lam *= 10
                    continue
                cand = theta + step
                r2, j2 = residuals_and_jacobian(cand, p, t)
                rp2 = priors * (cand[[2, 4]] - centre)
                cost2 = float(r2 @ r2 + rp2 @ rp2)
                if cost2 < cost:
                    theta, r, jac, rp, cost = cand, r2, j2, rp2, cost2
                    lam = max(lam / 10, 1e-9)
                    improved = True
                    break
                lam *= 10
            if not improved or float(np.abs(step[:3]).max()) < 1e-3:
                break
        if best is None or cost < best.cost:
            best = Fix(theta[:3].copy(), float(theta[3]), list(range(n)), residuals_s=r.copy(), cost=cost)
            best.speed_of_sound = 1.0 / float(theta[4])
            best_jac = jac
    assert best is not None
    dof = max(n - 3, 1)
    sigma_t = max(timing_sigma_s, math.sqrt(float(best.residuals_s @ best.residuals_s) / dof))
    info = best_jac.T @ best_jac
    info[2, 2] += priors[0] ** 2
    info[4, 4] += priors[1] ** 2
    try:
        best.covariance = np.linalg.inv(info) * sigma_t**2
    except np.linalg.LinAlgError:
        best.covariance = np.full((5, 5), np.inf)
    best.sigma_t = sigma_t
    return best


def robust_fix(
    p: np.ndarray,
    t: np.ndarray,
    c: float,
    *,
    z_prior: float,
    threshold_s: float = 0.003,
    min_arrivals: int = 4,
    max_reject_share: float = 0.5,
    timing_sigma_s: float = 0.0013,
    start: np.ndarray | None = None,
) -> Fix | None:
    """Fit, then drop the worst arrival while it lies beyond the threshold, preferring late ones (sound
    takes longer around obstacles, never shorter). Gross outliers (ten times the threshold) go together.
    None when fewer than ``min_arrivals`` stay consistent, or when more than ``max_reject_share`` of the
    arrivals would have to go: then these pulses are not one shot."""
    keep = list(range(len(t)))
    rejected: list[int] = []
    budget = int(max_reject_share * len(t))
    while len(keep) >= min_arrivals and len(rejected) <= budget:
        fix = least_squares_fix(
            p[keep], t[keep], c, z_prior=z_prior, timing_sigma_s=timing_sigma_s, start=start
        )
        r = fix.residuals_s
        # Positive residual: the arrival is later than the fit predicts.
        score = np.where(r > 0, r, -r * 0.8)
        worst = int(np.argmax(score))
        if abs(r[worst]) <= threshold_s:
            fix.used = keep
            fix.rejected = rejected
            return fix
        gross = np.flatnonzero(score > 10 * threshold_s)
        drop = set(gross.tolist()) if len(gross) and len(keep) - len(gross) >= min_arrivals else {worst}
        rejected.extend(keep[i] for i in sorted(drop))
        keep = [k for i, k in enumerate(keep) if i not in drop]
        start = fix.position
    return None
