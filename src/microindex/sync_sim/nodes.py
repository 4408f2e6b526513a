"""The simulated seller's nodes as the promise service sees them: a shop, a locker and a van
around one town centre, open around the clock, each shipping and delivering locally, so any
of them may win an online order; which one is the default chain's choice (fastest, closest)."""

from __future__ import annotations

from microindex.domain.codes import NodeCode
from microindex.domain.node import Capabilities, Location, Node, NodeKind

CENTRE = Location(51.5400, -0.0600)
_KINDS = {"shop": NodeKind.STORE, "locker": NodeKind.LOCKER, "van": NodeKind.VAN}
_SPOTS = (Location(51.5450, -0.0550), Location(51.5350, -0.0700), Location(51.5420, -0.0480))
_CAPABILITIES = Capabilities(
    pickup=True,
    local_delivery_radius_km=25.0,
    local_delivery_speed_kmh=20.0,
    ships=True,
    preparation_minutes=15,
)


def sim_nodes(codes: tuple[str, ...]) -> list[Node]:
    return [
        Node(
            NodeCode(code),
            _KINDS.get(code, NodeKind.STORE),
            code.title(),
            _SPOTS[i % len(_SPOTS)],
            capabilities=_CAPABILITIES,
        )
        for i, code in enumerate(codes)
    ]
