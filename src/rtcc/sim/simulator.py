"""The city simulator: one seeded, deterministic stream of events from every feed of a simulated city."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from functools import lru_cache

from rtcc.sim.alpr import PlateReads
from rtcc.sim.cad import Dispatcher
from rtcc.sim.cameras import CameraHealth
from rtcc.sim.context import SimContext
from rtcc.sim.core import Emitter, Scheduler, SimEvent, derive_rng, from_ns, to_ns
from rtcc.sim.drones import DroneFleet
from rtcc.sim.gunfire import Gunfire
from rtcc.sim.network import StreetNetwork, load_network
from rtcc.sim.registry import CityRegistry, RegistryBuilder
from rtcc.sim.truth import SimTruth
from rtcc.sim.units import Fleet


@lru_cache(maxsize=1)
def default_network() -> StreetNetwork:
    """The shipped Columbus network, loaded once per process (it is never modified)."""
    return load_network()


class CitySimulator:
    """A deterministic simulated city on the real street network of Columbus, Ohio.

    The same ``seed`` and ``start`` always give the same events, byte for byte. ``scale`` multiplies the
    number of units, cameras, readers, drones and sensor arrays, and the rate of calls. ``feeds`` limits
    the output to some of ``cad``, ``avl``, ``cameras``, ``alpr``, ``gunshot``, ``drones`` (all by
    default); switching a feed off also skips the work of generating it.
    """

    def __init__(
        self,
        seed: int,
        start: datetime,
        network: StreetNetwork | None = None,
        scale: float = 1.0,
        feeds: Collection[str] | None = None,
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.seed = seed
        self.scale = scale
        self.network = network or default_network()
        self.start_ns = to_ns(start)
        self._registry = RegistryBuilder(self.network, derive_rng(seed, "registry"), scale).build()
        self.truth = SimTruth()
        self._scheduler = Scheduler(self.start_ns)
        self._emitter = Emitter(seed, feeds)
        ctx = SimContext(
            seed,
            scale,
            self.start_ns,
            self.network,
            self._registry,
            self._scheduler,
            self._emitter,
            self.truth,
        )
        self._ctx = ctx
        self.fleet = Fleet(ctx)
        self.dispatcher = Dispatcher(ctx, self.fleet)
        self.drones = DroneFleet(ctx, self.dispatcher)
        self.gunfire = Gunfire(ctx, self.dispatcher)
        self.cameras = CameraHealth(ctx)
        self.plates = PlateReads(ctx)

    def registry(self) -> CityRegistry:
        """The static world: cameras, sensors, readers, units, drones and docks, hotlist."""
        return self._registry

    @property
    def now(self) -> datetime:
        """How far the simulation has run."""
        return from_ns(self._scheduler.now_ns)

    @property
    def feeds(self) -> frozenset[str]:
        return self._emitter.feeds

    def events(self, until: datetime) -> Iterator[SimEvent]:
        """Events from where the last call stopped up to (not including) ``until``, in time order.

        Call it again with a later ``until`` to continue, e.g. once per second to replay in real time.
        """
        until_ns = to_ns(until)
        scheduler, buffer = self._scheduler, self._emitter.buffer
        while True:
            while buffer:
                yield buffer.popleft()
            next_ns = scheduler.next_time()
            if next_ns is None or next_ns >= until_ns:
                break
            scheduler.run_next()
        scheduler.now_ns = max(scheduler.now_ns, until_ns)
