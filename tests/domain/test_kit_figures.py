"""A kit's channel figure at a node (ADR 0006 with 0009): never more kits than any part's
published units make, never said surer than any part, withheld when any part is."""

from hypothesis import given
from hypothesis import strategies as st

from microindex.domain.channels.figures import Confidence, Published
from microindex.domain.kits import Kit, KitPart, bundle_figure

ORDER = list(Confidence)
KIT = Kit("KIT", (KitPart("A", 2), KitPart("B", 1), KitPart("C", 3)))

figures = st.builds(
    lambda q, c, b, age: Published("shop", "", q if c is not Confidence.WITHHELD else 0, c, b, age),
    st.integers(0, 50),
    st.sampled_from(ORDER),
    st.integers(0, 3),
    st.floats(0, 10**6),
)


@given(st.fixed_dictionaries({"A": figures, "B": figures, "C": figures}))
def test_a_kit_is_never_shown_surer_or_in_more_units_than_a_part(
    parts: dict[str, Published],
) -> None:
    shown = bundle_figure(KIT, "shop", parts)
    needs = {p.sku: p.quantity for p in KIT.parts}
    assert all(shown.quantity <= parts[s].quantity // needs[s] for s in needs)
    assert all(ORDER.index(shown.confidence) >= ORDER.index(parts[s].confidence) for s in needs)
    if any(f.confidence is Confidence.WITHHELD for f in parts.values()):
        assert shown.quantity == 0 and shown.confidence is Confidence.WITHHELD
    else:
        assert shown.quantity == min(parts[s].quantity // needs[s] for s in needs)


def test_a_part_the_node_never_held_leaves_no_kit_there() -> None:
    held = {
        "A": Published("shop", "A", 9, Confidence.EXACT),
        "B": Published("shop", "B", 9, Confidence.EXACT),
    }
    shown = bundle_figure(KIT, "shop", held)
    assert (shown.quantity, shown.state.value) == (0, "out_of_stock")


def test_the_buffer_a_kit_shows_is_what_its_parts_buffers_hold_back() -> None:
    held = {
        "A": Published("shop", "A", 4, Confidence.BUFFERED, 2),  # truly 6: 3 kits, shown 2
        "B": Published("shop", "B", 5, Confidence.EXACT),
        "C": Published("shop", "C", 9, Confidence.EXACT),
    }
    shown = bundle_figure(KIT, "shop", held)
    assert (shown.quantity, shown.buffer, shown.confidence) == (2, 1, Confidence.BUFFERED)
