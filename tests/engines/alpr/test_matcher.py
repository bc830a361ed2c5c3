"""The hotlist matcher: normalisation, each matching rule with what must and must not match, labels and
details, state and time, tolerances, adding and removing, and properties on random plates."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtcc.engines.alpr.matcher import (
    CONFUSION_CLASSES,
    Hit,
    HotlistEntry,
    HotlistIndex,
    MatchKind,
    Tolerance,
    canonical_plate,
    normalise_plate,
    relation,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
ALPHABET = string.ascii_uppercase + string.digits


def entry(
    plate: str,
    entry_id: str | None = None,
    *,
    state: str | None = "OH",
    entered: datetime = NOW - timedelta(days=1),
    expires: datetime | None = None,
) -> HotlistEntry:
    return HotlistEntry(
        entry_id=entry_id or f"E-{plate}",
        plate=plate,
        state=state,
        reason="stolen vehicle",
        source="ncic",
        agency_id="cpd",
        entered=entered,
        expires=expires,
    )


def match(
    index: HotlistIndex, plate: str, *, state: str | None = None, tolerance: Tolerance | None = None
) -> list[tuple[str, MatchKind]]:
    return [(h.entry.entry_id, h.kind) for h in index.match(plate, state=state, at=NOW, tolerance=tolerance)]


def only(index: HotlistIndex, plate: str, *, state: str | None = None) -> Hit:
    hits = index.match(plate, state=state, at=NOW)
    assert len(hits) == 1, hits
    return hits[0]


# ---- normalisation ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "plate"),
    [
        ("ABC1234", "ABC1234"),
        ("abc1234", "ABC1234"),
        ("abc 123", "ABC123"),
        ("AB-C.12 3", "ABC123"),
        ("\tabc-1234\n", "ABC1234"),
        ("1234567890", "1234567890"),
        ("7", "7"),
    ],
)
def test_plates_are_upper_cased_without_spaces_dashes_or_dots(text: str, plate: str) -> None:
    assert normalise_plate(text) == plate


@pytest.mark.parametrize("text", ["", "   ", "-.-", "ABC_123", "ABC/123", "ÄBC123", "ABC12345678", "AB C!"])
def test_unusable_plates_normalise_to_none_and_match_nothing(text: str) -> None:
    assert normalise_plate(text) is None
    assert HotlistIndex([entry("ABC123")]).match(text, at=NOW) == []


def test_an_entry_must_hold_a_normalised_plate() -> None:
    with pytest.raises(ValueError, match="not normalised"):
        entry("abc 123")
    with pytest.raises(ValueError, match="not normalised"):
        entry("")


def test_the_canonical_form_folds_each_confusion_class_to_one_character() -> None:
    for cls in CONFUSION_CLASSES:
        assert len({canonical_plate(c) for c in cls}) == 1
    assert len({canonical_plate(c) for c in ALPHABET}) == 36 - sum(len(c) - 1 for c in CONFUSION_CLASSES)


# ---- exact and OCR confusions ----------------------------------------------------------------------------
def test_an_exact_read_matches_labelled_exact() -> None:
    hit = only(HotlistIndex([entry("ABC1234")]), "abc-1234", state="OH")
    assert (hit.kind, hit.read_plate, hit.detail, hit.state_agrees) == (
        MatchKind.EXACT,
        "ABC1234",
        "exact plate",
        True,
    )
    assert hit.entry.entry_id == "E-ABC1234"


@pytest.mark.parametrize(
    ("listed", "read"), [(a, b) for cls in CONFUSION_CLASSES for a in cls for b in cls if a != b]
)
def test_every_pair_in_a_confusion_class_matches_as_ocr(listed: str, read: str) -> None:
    hit = only(HotlistIndex([entry(f"XY{listed}7")]), f"XY{read}7")
    assert hit.kind is MatchKind.OCR
    assert hit.detail == f"{listed} read as {read} at position 3"


def test_ocr_confusions_at_many_positions_match_and_are_all_named() -> None:
    hit = only(HotlistIndex([entry("OIB5Z6")]), "0185Z6")
    assert hit.kind is MatchKind.OCR
    assert hit.detail == "O read as 0 at position 1; I read as 1 at position 2; B read as 8 at position 3"
    assert only(HotlistIndex([entry("D0QL")]), "OD01").kind is MatchKind.OCR  # short plates too


def test_characters_of_different_classes_are_not_ocr_confusions() -> None:
    index = HotlistIndex([entry("XY8Z")])
    assert index.match("XY0Z", at=NOW) == []  # 8 and 0 look alike but are not in one class
    assert match(HotlistIndex([entry("ABC1234")]), "ABC1834") == [("E-ABC1234", MatchKind.SUBSTITUTION)]


# ---- one wrong, missing or extra character ---------------------------------------------------------------
def test_one_wrong_character_matches_with_what_was_read() -> None:
    hit = only(HotlistIndex([entry("ABC1234")]), "ABC1X34")
    assert (hit.kind, hit.detail) == (MatchKind.SUBSTITUTION, "2 read as X at position 5")


def test_one_wrong_character_may_come_with_ocr_confusions() -> None:
    hit = only(HotlistIndex([entry("ABC1234")]), "A8C1X34")
    assert hit.kind is MatchKind.SUBSTITUTION
    assert hit.detail == "2 read as X at position 5; B read as 8 at position 2"


@pytest.mark.parametrize(
    ("listed", "read", "detail"),
    [
        ("ABC1234", "ABC124", "missing 3 at position 6"),
        ("ABC1234", "BC1234", "missing A at position 1"),
        ("ABC1234", "ABC123", "missing 4 at position 7"),
        ("ABC1234", "A8C124", "missing 3 at position 6; B read as 8 at position 2"),
        ("ABC1230", "ABC23O", "missing 1 at position 4; 0 read as O at position 6"),
    ],
)
def test_one_missing_character_matches(listed: str, read: str, detail: str) -> None:
    hit = only(HotlistIndex([entry(listed)]), read)
    assert (hit.kind, hit.detail) == (MatchKind.DELETION, detail)


@pytest.mark.parametrize(
    ("read", "detail"),
    [
        ("ABC12734", "extra 7 at position 6"),
        ("XABC1234", "extra X at position 1"),
        ("ABC1234X", "extra X at position 8"),
        ("A8C12X34", "extra X at position 6; B read as 8 at position 2"),
        ("ABC1Z34Z", "extra Z at position 8; 2 read as Z at position 5"),
    ],
)
def test_one_extra_character_matches(read: str, detail: str) -> None:
    hit = only(HotlistIndex([entry("ABC1234")]), read)
    assert (hit.kind, hit.detail) == (MatchKind.INSERTION, detail)


def test_a_repeated_character_missing_or_extra_is_found() -> None:
    index = HotlistIndex([entry("AAB1234")])
    assert match(index, "AB1234") == [("E-AAB1234", MatchKind.DELETION)]
    assert match(index, "AAAB1234") == [("E-AAB1234", MatchKind.INSERTION)]


@pytest.mark.parametrize(
    "read",
    [
        "ABX1Y34",  # two wrong characters
        "ABC2134",  # two neighbours swapped: two wrong characters
        "BAC1234",  # swapped at the start
        "ABC12",  # two missing
        "ABC123456",  # two extra
        "ABC1X3",  # one wrong and one missing
        "ABC9999",  # the same prefix, then a different plate
        "ABC",  # just the prefix
        "XYZ1234",  # the same suffix
    ],
)
def test_reads_two_or_more_edits_away_do_not_match(read: str) -> None:
    assert HotlistIndex([entry("ABC1234")]).match(read, at=NOW) == []


def test_plates_sharing_a_prefix_are_told_apart() -> None:
    index = HotlistIndex([entry("ABC1234"), entry("ABC9876")])
    assert match(index, "ABC1234") == [("E-ABC1234", MatchKind.EXACT)]
    assert match(index, "ABC9874") == [("E-ABC9876", MatchKind.SUBSTITUTION)]


def test_short_entries_match_exactly_or_by_ocr_but_not_by_an_edit() -> None:
    index = HotlistIndex([entry("AB12"), entry("XYZ")])
    assert match(index, "AB12") == [("E-AB12", MatchKind.EXACT)]
    assert match(index, "A812") == [("E-AB12", MatchKind.OCR)]
    for read in ("AB13", "AB1", "AB123", "XAB12", "XY", "XYZW", "XYA"):
        assert index.match(read, at=NOW) == [], read


def test_edits_start_at_the_minimum_length() -> None:
    five = HotlistIndex([entry("AB123")])
    assert match(five, "AB12") == [("E-AB123", MatchKind.DELETION)]
    assert match(five, "AB124") == [("E-AB123", MatchKind.SUBSTITUTION)]
    assert match(five, "AB1234") == [("E-AB123", MatchKind.INSERTION)]
    six = HotlistIndex([entry("AB123")], min_edit_length=6)
    assert six.match("AB124", at=NOW) == [] and six.match("AB12", at=NOW) == []
    assert match(six, "A8123") == [("E-AB123", MatchKind.OCR)]
    with pytest.raises(ValueError):
        HotlistIndex(min_edit_length=1)


# ---- labels, ranking ---------------------------------------------------------------------------------------
def test_each_entry_appears_once_with_its_best_label() -> None:
    # ABB1234 is, besides exact, one edit away from itself in many ways (B repeated, deletions share keys).
    index = HotlistIndex([entry("ABB1234")])
    assert match(index, "ABB1234") == [("E-ABB1234", MatchKind.EXACT)]
    assert match(index, "A8B1234") == [("E-ABB1234", MatchKind.OCR)]


def test_hits_come_best_kind_first() -> None:
    index = HotlistIndex(
        [
            entry("ABC1235", "wrong"),
            entry("A8C1234", "ocr"),
            entry("ABC1234", "exact"),
            entry("ABC12345", "extra"),
        ]
    )
    assert match(index, "ABC1234") == [
        ("exact", MatchKind.EXACT),
        ("ocr", MatchKind.OCR),
        ("wrong", MatchKind.SUBSTITUTION),
        ("extra", MatchKind.DELETION),
    ]


def test_several_entries_for_one_plate_each_hit() -> None:
    index = HotlistIndex([entry("ABC1234", "stolen"), entry("ABC1234", "warrant")])
    assert match(index, "ABC1234") == [("stolen", MatchKind.EXACT), ("warrant", MatchKind.EXACT)]


# ---- time --------------------------------------------------------------------------------------------------
def test_expired_entries_stop_matching() -> None:
    index = HotlistIndex([entry("ABC1234", expires=NOW)])
    assert index.match("ABC1234", at=NOW) == []
    assert index.match("ABC1234", at=NOW + timedelta(days=3)) == []
    assert index.match("ABC1235", at=NOW) == []
    assert [h.kind for h in index.match("ABC1234", at=NOW - timedelta(seconds=1))] == [MatchKind.EXACT]


def test_entries_entered_after_the_read_do_not_match_it() -> None:
    index = HotlistIndex([entry("ABC1234", entered=NOW + timedelta(minutes=5))])
    assert index.match("ABC1234", at=NOW) == []
    assert index.match("A8C1234", at=NOW) == []
    assert len(index.match("ABC1234", at=NOW + timedelta(minutes=5))) == 1


# ---- state -------------------------------------------------------------------------------------------------
def test_an_exact_plate_with_another_state_is_raised_but_ranked_after_agreeing_states() -> None:
    index = HotlistIndex([entry("ABC1234", "mi", state="MI"), entry("ABC1234", "oh", state="OH")])
    hits = index.match("ABC1234", state="oh", at=NOW)
    assert [(h.entry.entry_id, h.kind, h.state_agrees) for h in hits] == [
        ("oh", MatchKind.EXACT, True),
        ("mi", MatchKind.EXACT, False),
    ]
    assert hits[1].detail == "exact plate; state read as OH, entry is MI"


def test_tolerant_matches_need_the_state_to_agree_or_be_unknown() -> None:
    index = HotlistIndex([entry("ABC1234", state="MI")])
    for read in ("A8C1234", "ABC1X34", "ABC123", "ABC12345"):
        assert index.match(read, state="OH", at=NOW) == [], read
        assert [h.state_agrees for h in index.match(read, state="MI", at=NOW)] == [True]
        assert [h.state_agrees for h in index.match(read, state=None, at=NOW)] == [None]
    stateless = HotlistIndex([entry("ABC1234", state=None)])
    assert [h.state_agrees for h in stateless.match("A8C1234", state="OH", at=NOW)] == [None]
    assert [h.state_agrees for h in stateless.match("ABC1234", state=" ", at=NOW)] == [None]


# ---- tolerances --------------------------------------------------------------------------------------------
def test_tolerance_limits_what_matches_and_can_be_chosen_per_call() -> None:
    entries = [entry("ABC1234")]
    reads = {"ABC1234": MatchKind.EXACT, "A8C1234": MatchKind.OCR, "ABC1X34": MatchKind.SUBSTITUTION}
    exact = HotlistIndex(entries, tolerance=Tolerance.EXACT)
    ocr = HotlistIndex(entries, tolerance=Tolerance.OCR)
    for read, kind in reads.items():
        assert match(exact, read) == ([("E-ABC1234", kind)] if kind is MatchKind.EXACT else [])
        allowed = kind in (MatchKind.EXACT, MatchKind.OCR)
        assert match(ocr, read) == ([("E-ABC1234", kind)] if allowed else [])
        assert match(exact, read, tolerance=Tolerance.ONE_EDIT) == [("E-ABC1234", kind)]


def guarded_index() -> HotlistIndex:
    """An Ohio list in the ABC1234 format, with some vanity plates."""
    entries = [
        entry(f"K{a}{b}{n:04d}", state="OH") for a in "ABCDEFGHJK" for b in "MNPRTUVWXY" for n in range(12)
    ]
    entries += [entry(v, state="OH") for v in ("ABO1234", "ABC1234", "GOBUCKS", "HOTROD")]
    entries += [
        entry(f"V{n:03d}".translate(str.maketrans("0123456789", "ABCDEFGHJK")), state="OH") for n in range(30)
    ]
    return HotlistIndex(entries, tolerance=Tolerance.GUARDED)


def test_guarded_takes_a_read_shaped_like_a_plate_as_read() -> None:
    index = guarded_index()
    assert index.plate_like("ABC1235", "OH") and not index.plate_like("AB01234", "OH")
    assert index.match("ABC1235", at=NOW) == []  # looks like another car's plate
    assert index.match("ABD1234", at=NOW) == []  # ... and so does an OCR neighbour of a listed one
    assert match(index, "ABD1234", tolerance=Tolerance.ONE_EDIT) != []
    assert match(index, "ABC1234") == [("E-ABC1234", MatchKind.EXACT)]


def test_guarded_matches_reads_no_plate_could_give() -> None:
    index = guarded_index()
    assert match(index, "AB01234") == [("E-ABO1234", MatchKind.OCR)]  # digit where a letter belongs
    assert match(index, "ABC12X4") == [("E-ABC1234", MatchKind.SUBSTITUTION)]
    assert match(index, "ABC12345") == [("E-ABC1234", MatchKind.INSERTION)]  # no format is 8 long
    assert match(index, "BC1234") == [("E-ABC1234", MatchKind.DELETION)]


def test_guarded_tries_no_edit_on_a_read_that_an_ocr_confusion_makes_plate_like() -> None:
    index = guarded_index()
    assert not index.plate_like("A8C1235", "OH") and index.could_be_plate("A8C1235", "OH")  # as ABC1235
    assert match(index, "A8C1235", tolerance=Tolerance.ONE_EDIT) == [("E-ABC1234", MatchKind.SUBSTITUTION)]
    assert index.match("A8C1235", at=NOW) == []


def test_strict_allows_of_the_edits_only_an_extra_character() -> None:
    index = guarded_index()
    assert match(index, "AB01234", tolerance=Tolerance.STRICT) == [("E-ABO1234", MatchKind.OCR)]
    assert match(index, "ABC12345", tolerance=Tolerance.STRICT) == [("E-ABC1234", MatchKind.INSERTION)]
    assert index.match("ABC12X4", at=NOW, tolerance=Tolerance.STRICT) == []  # one wrong
    assert index.match("BC1234", at=NOW, tolerance=Tolerance.STRICT) == []  # one missing
    assert index.match("ABC1235", at=NOW, tolerance=Tolerance.STRICT) == []  # plate-like


def test_plate_shapes_are_those_of_the_read_state_when_it_has_enough_entries() -> None:
    ohio = [
        entry(f"K{a}{b}{n:04d}", state="OH") for a in "ABCDEFGHJK" for b in "MNPRTUVWXY" for n in range(12)
    ]
    texas = [entry(f"{n:03d}KXY", state="TX") for n in range(1500)]
    vermont = [entry(f"{n:04d}", state="VT") for n in range(10)]
    index = HotlistIndex([*ohio, *texas, *vermont])
    assert index.plate_like("ABC1234", "OH") and not index.plate_like("123ABC", "OH")
    assert index.plate_like("123ABC", "TX") and not index.plate_like("ABC1234", "TX")
    # Vermont has too few entries to tell its formats: every state's common shapes count.
    assert index.plate_like("ABC1234", "VT") and index.plate_like("123ABC", "VT")
    assert index.plate_like("123ABC", None) and not index.plate_like("1234", "VT")


# ---- adding and removing -----------------------------------------------------------------------------------
def test_added_entries_match_and_removed_ones_stop() -> None:
    index = HotlistIndex([entry("ABC1234")])
    index.add(entry("XYZ9876"))
    assert len(index) == 2 and "E-XYZ9876" in index
    assert match(index, "XYZ987") == [("E-XYZ9876", MatchKind.DELETION)]
    assert index.remove("E-ABC1234") is True
    assert index.remove("E-ABC1234") is False
    assert index.match("ABC1234", at=NOW) == [] and len(index) == 1
    assert index.get("E-ABC1234") is None and index.get("E-XYZ9876") is not None
    assert [e.entry_id for e in index] == ["E-XYZ9876"]


def test_adding_an_entry_id_again_replaces_the_entry() -> None:
    index = HotlistIndex([entry("ABC1234", "same")])
    index.add(entry("JKL5678", "same"))
    assert len(index) == 1
    assert index.match("ABC1234", at=NOW) == []
    assert match(index, "JKL5678") == [("same", MatchKind.EXACT)]


def test_many_additions_and_removals_fold_into_the_arrays_and_still_match() -> None:
    index = HotlistIndex()
    plates = [f"P{n:05d}" for n in range(2500)]
    index.extend(entry(p) for p in plates[:1200])
    for p in plates[1200:]:
        index.add(entry(p))
    for p in plates[::2]:
        index.remove(f"E-{p}")
    index.compact()
    assert len(index) == 1250
    assert match(index, "P01001")[0] == ("E-P01001", MatchKind.EXACT)
    assert all(h.entry.plate != "P01000" for h in index.match("P01000", at=NOW))  # removed
    assert ("E-P02499", MatchKind.DELETION) in match(index, "P0249")


# ---- properties --------------------------------------------------------------------------------------------
plates = st.text(alphabet=ALPHABET, min_size=5, max_size=8)


@st.composite
def misreads(draw: st.DrawFn) -> tuple[str, str, MatchKind]:
    """A plate, one simulated misread of it, and the kind the misread should be labelled."""
    plate = draw(plates)
    kinds = [MatchKind.SUBSTITUTION, MatchKind.DELETION, MatchKind.INSERTION]
    confusable = [i for i, c in enumerate(plate) if any(c in cls for cls in CONFUSION_CLASSES)]
    if confusable:
        kinds.append(MatchKind.OCR)
    kind = draw(st.sampled_from(kinds))
    if kind is MatchKind.OCR:
        i = draw(st.sampled_from(confusable))
        cls = next(cls for cls in CONFUSION_CLASSES if plate[i] in cls)
        read = plate[:i] + draw(st.sampled_from([c for c in cls if c != plate[i]])) + plate[i + 1 :]
    elif kind is MatchKind.SUBSTITUTION:
        i = draw(st.integers(0, len(plate) - 1))
        other = [c for c in ALPHABET if canonical_plate(c) != canonical_plate(plate[i])]
        read = plate[:i] + draw(st.sampled_from(other)) + plate[i + 1 :]
    elif kind is MatchKind.DELETION:
        i = draw(st.integers(0, len(plate) - 1))
        read = plate[:i] + plate[i + 1 :]
    else:
        i = draw(st.integers(0, len(plate)))
        read = plate[:i] + draw(st.sampled_from(ALPHABET)) + plate[i:]
    return plate, read, kind


@settings(max_examples=400, deadline=None)
@given(misreads(), st.lists(plates, max_size=30))
def test_a_single_confusion_or_edit_finds_the_entry_with_the_right_kind(
    case: tuple[str, str, MatchKind], others: list[str]
) -> None:
    plate, read, kind = case
    index = HotlistIndex([entry(plate, "target"), *(entry(p, f"other-{i}") for i, p in enumerate(others))])
    assert ("target", kind) in match(index, read)


small_plates = st.text(alphabet="AB0O8D1", min_size=1, max_size=7)


@settings(max_examples=300, deadline=None)
@given(st.lists(small_plates, min_size=1, max_size=40), st.lists(small_plates, min_size=1, max_size=20))
def test_the_index_finds_what_a_scan_of_every_entry_finds(listed: list[str], reads: list[str]) -> None:
    half = len(listed) // 2
    index = HotlistIndex([entry(p, f"e{i}") for i, p in enumerate(listed[:half])])
    index.extend(entry(p, f"e{half + i}") for i, p in enumerate(listed[half:]))  # some via the overlay
    for read in [*reads, *listed]:
        expected = set()
        for i, p in enumerate(listed):
            found = relation(read, p)
            if found is not None:
                expected.add((f"e{i}", found[0]))
        assert set(match(index, read)) == expected, read
