"""Matching plate reads against a hotlist: exact, tolerant of OCR confusions and of one wrong, missing or
extra character, each hit labelled with how it matched. Built for a million entries and tens of thousands
of reads per second on one core.

Plates
    ``normalise_plate`` upper-cases a plate and drops whitespace, dashes and dots. What is left must be 1 to
    10 characters of A-Z and 0-9; anything else is unusable (``None``) and matches nothing. Hotlist entries
    hold normalised plates (``HotlistEntry`` refuses others).

How a read matches an entry (``MatchKind``), best first
    ``exact``          the normalised read is the entry's plate.
    ``ocr_confusion``  same length, and each position that differs holds two characters of one confusion
                       class: {O, 0, D, Q}, {I, 1, L}, {B, 8}, {S, 5}, {Z, 2}, {G, 6}; any number of
                       positions may differ. Replacing every character by its class's representative gives
                       the plate's *canonical form*; an OCR match is equality of canonical forms.
    ``one_wrong``      same length, and the canonical forms differ at exactly one position (any two
                       characters); other positions may still differ within a class.
    ``one_missing``    the read's canonical form is the entry's with one character left out.
    ``one_extra``      the read's canonical form is the entry's with one character put in.

    So "one wrong, missing or extra" counts characters outside the confusion classes: ``AB0123`` read as
    ``A8D12`` (B/8 and 0/D confused, 3 missing) is ``one_missing``. A transposition (``12`` read as ``21``) is
    two wrong characters and does not match: swapping neighbours is not how OCR fails, and allowing it would
    widen every plate's neighbourhood further. An entry appears once per read, labelled with the best way it
    matched; hits come best kind first (then state agreeing before state unknown before state differing,
    then by entry id).

Details
    Each hit says what differed, with 1-based positions: ``O read as 0 at position 3`` (a position in the
    read; same-length reads line up with the entry), ``Z read as X at position 4`` for the wrong character,
    ``missing 7 at position 5`` (the entry's fifth character is not in the read), ``extra X at position 2``
    (the read's second character is not on the plate); OCR confusions alongside an edit are listed after it.

Short plates
    One wrong, missing or extra character is allowed only against entries of at least ``min_edit_length``
    characters (5 by default). A four-character plate has some 300 plates one edit away out of 1.7 million
    four-character strings; on short vanity and dealer plates the rule would raise far more false alerts
    than it finds misreads. Exact and OCR matches apply at every length.

State
    A read and an entry agree on state when both carry one and they are equal (case-insensitive); when
    either has none, agreement is unknown (``Hit.state_agrees`` is None). When both carry a state and they
    differ, tolerant matches (OCR or one edit) are not raised: two different characters *and* a different
    state is more likely another car. An exact plate with a different state is still raised, because
    readers misread the state far more often than all the characters, and the officer confirms the state
    before acting; the detail says ``state read as PA, entry is OH`` and such a hit ranks after exact hits
    whose state agrees or is unknown (but before any tolerant hit).

Time
    An entry matches at ``at`` when ``entered <= at < expires`` (no expiry: from ``entered`` on). Expired
    entries and entries entered after ``at`` never match. Use timezone-aware datetimes throughout.

Tolerance (``Tolerance``, per index, overridable per call)
    ``exact``     exact plates only.
    ``ocr``       exact and OCR confusions.
    ``one_edit``  exact, OCR, and one wrong, missing or extra character: the rules above, and the default.
    ``guarded``   as ``one_edit``, but a read that looks like a plate of its own is taken as read. A read is
                  *plate-like* when its letter/digit shape (``ABC1234`` -> ``AAA9999``) is held by at least
                  ``plate_like_share`` (1%) of the entries of the read's state (of all entries when the read
                  has no state or its state has fewer than 1,000 entries): such a read gets exact matches
                  only. A read that is not plate-like but *could be* once OCR confusions are undone
                  (``AB01234`` could be ``ABO1234``) gets exact and OCR matches, no edits. Only a read that
                  no plate of a common shape could give gets one-edit matches too.
    ``strict``    as ``guarded``, and of the edits only one extra character is allowed.

    Why: on a list of a million plates, a well-formed read is within one wrong character of some entry
    far too often (with 30,000 entries in one state's ABC1234 format, about 2% of that format's plates are),
    and such a read is far more likely another car read correctly than a listed car misread. Whether a
    misread can be told from another car depends on how many plates it could have come from: an OCR
    confusion that puts a digit among letters has one to three; an extra character, a few; one wrong
    character, ten or more; a missing one, dozens. ``guarded`` and ``strict`` trade recall on misreads that
    look like real plates (or have many sources) for far fewer false alerts; bench/alpr_matcher.py measures
    each tolerance. Even ``exact`` raises some false alerts: a misread of an unlisted car can land exactly
    on a listed plate.

Index
    Each entry is filed under the integer key of its canonical form and, when at least ``min_edit_length``
    long, under the key of each distinct single-deletion variant of it (the "symmetric delete" scheme). A
    read looks up its own canonical key (finding OCR and exact matches, and entries the read is missing a
    character of) and, when edits are allowed, the keys of its single-deletion variants (finding one wrong
    and one extra character). Every candidate is then checked against the rules above, so a shared
    deletion variant that is not one edit (a transposition, say) is dropped. A canonical form has at most
    10 characters from a 27-symbol alphabet and packs into 5 bits per character, so keys are exact 64-bit
    integers held in two sorted numpy arrays (about 12 bytes per key, some 8 keys per entry): about 90 MB
    for a million entries beside the entries themselves. Entries added after the arrays were built go to a
    small dictionary, removed ones are skipped, and both are folded into fresh arrays once they make up a
    quarter of the index.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt

MAX_PLATE_LENGTH = 10
DEFAULT_MIN_EDIT_LENGTH = 5
DEFAULT_PLATE_LIKE_SHARE = 0.01
MIN_STATE_ENTRIES = 1000  # a state with fewer entries says too little about its plate formats
CONFUSION_CLASSES: tuple[str, ...] = ("O0DQ", "I1L", "B8", "S5", "Z2", "G6")

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_DROP = re.compile(r"[\s.\-]+")
_USABLE = re.compile(rf"[A-Z0-9]{{1,{MAX_PLATE_LENGTH}}}")
_CANON = str.maketrans({c: cls[0] for cls in CONFUSION_CLASSES for c in cls[1:]})
_SHAPE = str.maketrans({c: "A" if c.isalpha() else "9" for c in _ALPHABET})
# The shapes (A: letter, 9: digit) a character could stand for, given OCR confusions.
_TYPES = {
    c: {x.translate(_SHAPE) for cls in CONFUSION_CLASSES if c in cls for x in cls} or {c.translate(_SHAPE)}
    for c in _ALPHABET
}


def _code_table() -> bytes:
    """Byte translation from a plate character to the 1-based code of its canonical form (0 elsewhere)."""
    symbols = sorted(set(_ALPHABET.translate(_CANON)))
    table = bytearray(256)
    for c in _ALPHABET:
        table[ord(c)] = symbols.index(c.translate(_CANON)) + 1
    assert len(symbols) < 32
    return bytes(table)


_CODES = _code_table()
_BITS = 5


def normalise_plate(text: str) -> str | None:
    """The plate as matched: upper case, without whitespace, dashes or dots; None when nothing usable is left
    (empty, a character other than A-Z and 0-9, or longer than 10 characters)."""
    plate = _DROP.sub("", text.upper())
    return plate if _USABLE.fullmatch(plate) else None


def canonical_plate(plate: str) -> str:
    """The plate with each character replaced by its OCR confusion class's representative (0 -> O, L -> I)."""
    return plate.translate(_CANON)


class MatchKind(StrEnum):
    EXACT = "exact"
    OCR = "ocr_confusion"
    SUBSTITUTION = "one_wrong"
    DELETION = "one_missing"
    INSERTION = "one_extra"


_RANK = {kind: rank for rank, kind in enumerate(MatchKind)}


class Tolerance(StrEnum):
    EXACT = "exact"
    OCR = "ocr"
    ONE_EDIT = "one_edit"
    GUARDED = "guarded"
    STRICT = "strict"


@dataclass(frozen=True, slots=True)
class HotlistEntry:
    entry_id: str
    plate: str  # normalised
    state: str | None
    reason: str
    source: str
    agency_id: str
    entered: datetime
    expires: datetime | None

    def __post_init__(self) -> None:
        if normalise_plate(self.plate) != self.plate:
            raise ValueError(f"hotlist plate {self.plate!r} is not normalised (see normalise_plate)")

    def active_at(self, at: datetime) -> bool:
        """Whether the entry can match a read taken at ``at``: entered by then and not yet expired."""
        return self.entered <= at and (self.expires is None or at < self.expires)


@dataclass(frozen=True, slots=True)
class Hit:
    entry: HotlistEntry
    kind: MatchKind
    read_plate: str  # the read, normalised
    detail: str  # e.g. "O read as 0 at position 3", "missing 7 at position 5"
    state_agrees: bool | None = None  # None: the read or the entry has no state


@functools.lru_cache(maxsize=1024)
def _state(value: str | None) -> str | None:
    value = value.strip().upper() if value else None
    return value or None


def _pack(plate: str) -> int:
    key = 0
    for code in plate.encode("ascii").translate(_CODES):
        key = (key << _BITS) | code
    return key


# For a key of n characters, leaving out character p keeps the low (n - 1 - p) characters and shifts the
# ones above p down by one character: (bits below p, their mask) for each p.
_DELETIONS = [
    [(_BITS * (n - 1 - p), (1 << (_BITS * (n - 1 - p))) - 1) for p in range(n)]
    for n in range(MAX_PLATE_LENGTH + 1)
]


def _deletion_keys(key: int, length: int) -> list[int]:
    """Keys of the canonical form with each one character left out (repeats included)."""
    return [((key >> (low + _BITS)) << low) | (key & mask) for low, mask in _DELETIONS[length]]


def _entry_keys(plate: str, min_edit_length: int) -> set[int]:
    key = _pack(plate)
    keys = {key}
    if len(plate) >= min_edit_length:
        keys.update(_deletion_keys(key, len(plate)))
    return keys


def _postings(
    plates: list[str], min_edit_length: int
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int32]]:
    """Every key of every plate with the plate's position in ``plates``, sorted by key (vectorised)."""
    n = len(plates)
    if n == 0:
        return np.empty(0, np.uint64), np.empty(0, np.int32)
    # Fixed-width bytes padded with NUL, which translates to code 0: no character.
    raw = np.array(plates, dtype=f"S{MAX_PLATE_LENGTH}").tobytes().translate(_CODES)
    codes = np.frombuffer(raw, dtype=np.uint8).reshape(n, MAX_PLATE_LENGTH)
    lengths = np.count_nonzero(codes, axis=1).astype(np.uint64)
    key = np.zeros(n, np.uint64)
    bits = np.uint64(_BITS)
    for j in range(MAX_PLATE_LENGTH):
        column = codes[:, j]
        key = np.where(column > 0, (key << bits) | column.astype(np.uint64), key)
    all_keys = [key]
    all_slots = [np.arange(n, dtype=np.int32)]
    editable = lengths >= min_edit_length
    one = np.uint64(1)
    for p in range(MAX_PLATE_LENGTH):
        take = editable & (lengths > p)
        if p > 0:
            take &= codes[:, p] != codes[:, p - 1]  # leaving out either of two equal neighbours: same key
        rows = np.flatnonzero(take)
        if rows.size == 0:
            continue
        k = key[rows]
        low = (lengths[rows] - np.uint64(p + 1)) * bits
        all_keys.append(((k >> (low + bits)) << low) | (k & ((one << low) - one)))
        all_slots.append(rows.astype(np.int32))
    keys = np.concatenate(all_keys)
    del all_keys
    slots = np.concatenate(all_slots)
    del all_slots
    order = np.argsort(keys)
    return keys[order], slots[order]


_EXACT, _OCR = MatchKind.EXACT, MatchKind.OCR
_SUBSTITUTION, _DELETION, _INSERTION = MatchKind.SUBSTITUTION, MatchKind.DELETION, MatchKind.INSERTION


def _first_difference(a: str, b: str) -> int:
    """The first index at which ``a`` and ``b`` differ (the shorter one's length if one starts the other)."""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def relation(
    read: str,
    plate: str,
    *,
    min_edit_length: int = DEFAULT_MIN_EDIT_LENGTH,
    ocr: bool = True,
    edits: bool = True,
) -> tuple[MatchKind, str] | None:
    """How the normalised ``read`` matches the normalised ``plate`` (kind and detail), or None when it does
    not under the rules in the module docstring. State and time are not considered here."""
    if read == plate:
        return _EXACT, "exact plate"
    if not ocr:
        return None
    n, m = len(read), len(plate)
    rc, pc = read.translate(_CANON), plate.translate(_CANON)
    if n == m:
        if rc == pc:
            return _OCR, "; ".join(
                f"{p} read as {r} at position {k}"
                for k, (r, p) in enumerate(zip(read, plate, strict=True), 1)
                if r != p
            )
        if not edits or m < min_edit_length:
            return None
        i = _first_difference(rc, pc)
        if rc[i + 1 :] != pc[i + 1 :]:
            return None
        parts = [f"{plate[i]} read as {read[i]} at position {i + 1}"]
        parts += [
            f"{p} read as {r} at position {k}"
            for k, (r, p) in enumerate(zip(read, plate, strict=True), 1)
            if r != p and k != i + 1
        ]
        return _SUBSTITUTION, "; ".join(parts)
    if not edits or m < min_edit_length:
        return None
    if n == m - 1:
        i = _first_difference(rc, pc)
        if rc[i:] != pc[i + 1 :]:
            return None
        parts = [f"missing {plate[i]} at position {i + 1}"]
        aligned = plate[:i] + plate[i + 1 :]
        parts += [
            f"{p} read as {r} at position {k}"
            for k, (r, p) in enumerate(zip(read, aligned, strict=True), 1)
            if r != p
        ]
        return _DELETION, "; ".join(parts)
    if n == m + 1:
        i = _first_difference(rc, pc)
        if rc[i + 1 :] != pc[i:]:
            return None
        parts = [f"extra {read[i]} at position {i + 1}"]
        aligned = read[:i] + read[i + 1 :]
        parts += [
            f"{p} read as {r} at position {j + 1 + (j >= i)}"
            for j, (r, p) in enumerate(zip(aligned, plate, strict=True))
            if r != p
        ]
        return _INSERTION, "; ".join(parts)
    return None


class HotlistIndex:
    """The hotlist, indexed for matching reads (see the module docstring for the rules and the layout).

    Adding an entry whose ``entry_id`` is already held replaces it. Not thread-safe: one writer, or a lock.
    """

    def __init__(
        self,
        entries: Iterable[HotlistEntry] = (),
        *,
        min_edit_length: int = DEFAULT_MIN_EDIT_LENGTH,
        tolerance: Tolerance = Tolerance.ONE_EDIT,
        plate_like_share: float = DEFAULT_PLATE_LIKE_SHARE,
    ) -> None:
        if min_edit_length < 2:
            raise ValueError("min_edit_length must be at least 2")
        self.min_edit_length = min_edit_length
        self.tolerance = tolerance
        self.plate_like_share = plate_like_share
        self._entries: list[HotlistEntry | None] = []
        self._slot_of: dict[str, int] = {}
        self._keys: npt.NDArray[np.uint64] = np.empty(0, np.uint64)
        self._slots: npt.NDArray[np.int32] = np.empty(0, np.int32)
        self._extra: dict[int, list[int]] = {}  # key -> slots, for entries added since the arrays were built
        self._extra_entries = 0
        self._dead = 0  # removed entries still in the arrays
        self._shapes: dict[str | None, Counter[str]] = {None: Counter()}  # state (None: all) -> shape counts
        self._shape_version = 0
        self._shape_cache: dict[str | None, tuple[int, frozenset[str]]] = {}
        latest = list({e.entry_id: e for e in entries}.values())
        for (state, shape), count in Counter(
            (_state(e.state), e.plate.translate(_SHAPE)) for e in latest
        ).items():
            self._shapes[None][shape] += count
            if state is not None:
                self._shapes.setdefault(state, Counter())[shape] += count
        self._rebuild(latest)

    # ---- contents ----------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._slot_of

    def __iter__(self) -> Iterator[HotlistEntry]:
        return (e for e in self._entries if e is not None)

    def get(self, entry_id: str) -> HotlistEntry | None:
        slot = self._slot_of.get(entry_id)
        return None if slot is None else self._entries[slot]

    @property
    def nbytes(self) -> int:
        """Bytes held by the key arrays (the entries themselves and the Python containers not counted)."""
        return int(self._keys.nbytes + self._slots.nbytes)

    def add(self, entry: HotlistEntry) -> None:
        """Add an entry, or replace the one with its ``entry_id``."""
        self._add(entry)
        self._maybe_compact()

    def extend(self, entries: Iterable[HotlistEntry]) -> None:
        """Add (or replace) many entries; the key arrays are rebuilt at most once."""
        for entry in entries:
            self._add(entry)
        self._maybe_compact()

    def remove(self, entry_id: str) -> bool:
        """Drop an entry; False when there was none with that id."""
        found = self._remove(entry_id)
        self._maybe_compact()
        return found

    def compact(self) -> None:
        """Fold entries added or removed since the key arrays were built into fresh arrays now (this is
        otherwise done once they make up a quarter of the index)."""
        self._rebuild([e for e in self._entries if e is not None])

    def _add(self, entry: HotlistEntry) -> None:
        self._remove(entry.entry_id)
        slot = len(self._entries)
        self._entries.append(entry)
        self._slot_of[entry.entry_id] = slot
        for key in _entry_keys(entry.plate, self.min_edit_length):
            self._extra.setdefault(key, []).append(slot)
        self._extra_entries += 1
        self._count_shape(entry, 1)

    def _remove(self, entry_id: str) -> bool:
        slot = self._slot_of.pop(entry_id, None)
        if slot is None:
            return False
        entry = self._entries[slot]
        assert entry is not None
        self._entries[slot] = None
        self._dead += 1
        self._count_shape(entry, -1)
        return True

    def _maybe_compact(self) -> None:
        limit = max(1000, len(self._slot_of) // 4)
        if self._extra_entries > limit or self._dead > limit:
            self.compact()

    def _rebuild(self, live: list[HotlistEntry]) -> None:
        self._entries = list(live)
        self._slot_of = {e.entry_id: i for i, e in enumerate(live)}
        self._keys, self._slots = _postings([e.plate for e in live], self.min_edit_length)
        self._extra = {}
        self._extra_entries = 0
        self._dead = 0

    def _count_shape(self, entry: HotlistEntry, step: int) -> None:
        self._shape_version += 1
        shape = entry.plate.translate(_SHAPE)
        self._shapes[None][shape] += step
        state = _state(entry.state)
        if state is not None:
            counts = self._shapes.get(state)
            if counts is None:
                counts = self._shapes[state] = Counter()
            counts[shape] += step

    def _plate_shapes(self, state: str | None) -> frozenset[str]:
        """The shapes held by at least ``plate_like_share`` of the entries of ``state`` (of all entries when
        it is None or has fewer than ``MIN_STATE_ENTRIES``)."""
        counts = self._shapes.get(state) if state is not None else None
        if counts is None or counts.total() < MIN_STATE_ENTRIES:
            state, counts = None, self._shapes[None]
        cached = self._shape_cache.get(state)
        if cached is not None and cached[0] == self._shape_version:
            return cached[1]
        floor = self.plate_like_share * counts.total()
        shapes = frozenset(shape for shape, n in counts.items() if n > 0 and n >= floor)
        self._shape_cache[state] = (self._shape_version, shapes)
        return shapes

    def plate_like(self, plate: str, state: str | None = None) -> bool:
        """Whether a normalised read has a common plate shape of its state (``ABC1234`` -> ``AAA9999`` held by
        at least ``plate_like_share`` of the state's entries, or of all entries): taken as read by
        ``guarded``."""
        return plate.translate(_SHAPE) in self._plate_shapes(_state(state))

    def could_be_plate(self, plate: str, state: str | None = None) -> bool:
        """Whether the read, with any of its characters swapped within its confusion class, could have a
        common plate shape (``AB01234`` could be ``ABO1234``): ``guarded`` tries no edits on such a read."""
        types = [_TYPES[c] for c in plate]
        return any(
            len(shape) == len(types) and all(t in allowed for t, allowed in zip(shape, types, strict=True))
            for shape in self._plate_shapes(_state(state))
        )

    # ---- matching ----------------------------------------------------------------------------------------
    def _candidates(self, keys: list[int]) -> set[int]:
        found: set[int] = set()
        if self._keys.size:
            # Keys are integers: where key + 1 would go is where the run of key ends. One search finds both.
            bounds = self._keys.searchsorted(
                np.array([*keys, *(k + 1 for k in keys)], dtype=np.uint64)
            ).tolist()
            n = len(keys)
            for a, b in zip(bounds[:n], bounds[n:], strict=True):
                if a < b:
                    found.update(self._slots[a:b].tolist())
        if self._extra:
            for key in keys:
                slots = self._extra.get(key)
                if slots:
                    found.update(slots)
        return found

    def match(
        self, plate: str, *, state: str | None = None, at: datetime, tolerance: Tolerance | None = None
    ) -> list[Hit]:
        """Every active entry the read matches, best kind first; nothing for an unusable plate."""
        read = normalise_plate(plate)
        if read is None:
            return []
        tolerance = tolerance or self.tolerance
        read_state = _state(state)
        ocr = tolerance is not Tolerance.EXACT
        edits = ocr and tolerance is not Tolerance.OCR
        strict = tolerance is Tolerance.STRICT
        if strict or tolerance is Tolerance.GUARDED:
            if self.plate_like(read, read_state):
                ocr = edits = False
            elif self.could_be_plate(read, read_state):
                edits = False
        key = _pack(read)
        keys = [key]
        if edits and len(read) >= self.min_edit_length:
            keys += _deletion_keys(key, len(read))
        ranked: list[tuple[int, int, str, Hit]] = []
        for slot in self._candidates(keys):
            entry = self._entries[slot]
            if entry is None or not entry.active_at(at):
                continue
            agrees = None
            if read_state is not None:
                entry_state = _state(entry.state)
                if entry_state is not None:
                    agrees = read_state == entry_state
                    if not agrees and entry.plate != read:
                        continue  # another state: only an exact plate is raised
            found = relation(read, entry.plate, min_edit_length=self.min_edit_length, ocr=ocr, edits=edits)
            if found is None:
                continue
            kind, detail = found
            if strict and (kind is _SUBSTITUTION or kind is _DELETION):
                continue
            if agrees is False:
                detail += f"; state read as {read_state}, entry is {entry_state}"
            state_rank = 0 if agrees else 1 if agrees is None else 2
            ranked.append((_RANK[kind], state_rank, entry.entry_id, Hit(entry, kind, read, detail, agrees)))
        ranked.sort(key=lambda r: r[:3])
        return [r[3] for r in ranked]
