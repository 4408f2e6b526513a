"""A parcel locker as it really is: compartments of a size, one parcel each, a code to open.

A promised pickup order is put in the smallest free compartment its parcel fits (turned any
way). The shopper gets a pickup code, kept only as a salted hash, valid until a deadline; the
right code before the deadline opens the compartment, anything else is refused. A parcel not
collected by the deadline is taken out: its compartment is free again and the order ends.
Guessing is slowed: after WRONG_CODES wrong codes at a locker within WRONG_WINDOW, it takes
no code at all, right or wrong, for LOCKOUT.
Codes, salts and times are passed in: nothing here draws a random number or reads a clock.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.packaging import PackItem
from microindex.domain.product import Size

HASH_ROUNDS = 20_000  # PBKDF2 rounds: slows guessing a 6-8 digit code from a stolen hash
WRONG_CODES = 5  # wrong codes at one locker within WRONG_WINDOW, then it takes none for LOCKOUT
WRONG_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
MAX_COMPARTMENT_MM = 10_000  # ten metres: a side no locker has


@dataclass(frozen=True, slots=True)
class Compartment:
    code: str
    inner: Size

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise InvalidValue("compartment", self.code, "a compartment needs a code")
        if max(_sides(self.inner)) > MAX_COMPARTMENT_MM:
            raise InvalidValue(
                "size", str(self.inner), f"a side is at most {MAX_COMPARTMENT_MM} mm"
            )

    @property
    def volume_mm3(self) -> int:
        return self.inner.length_mm * self.inner.width_mm * self.inner.height_mm

    def takes(self, parcel: Size) -> bool:
        """The parcel fits inside, turned any way."""
        return all(a <= b for a, b in zip(_sides(parcel), _sides(self.inner), strict=True))


class Held(StrEnum):
    ASSIGNED = "assigned"  # the parcel is in the compartment, awaiting the shopper
    COLLECTED = "collected"
    EXPIRED = "expired"  # not collected by the deadline: taken out, the order cancelled


@dataclass(frozen=True, slots=True)
class Assignment:
    order: str
    node: str
    compartment: str
    code_hash: str
    salt: str
    until: datetime
    assigned_at: datetime
    state: Held = Held.ASSIGNED
    ended_at: datetime | None = None

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(self.code_hash, hash_code(code, self.salt))

    def collect(self, code: str, now: datetime, zone: tzinfo) -> Assignment:
        """The compartment opens for the right code before the deadline; else refused, the
        deadline said on the clock of `zone` (the locker's)."""
        if self.state is not Held.ASSIGNED:
            raise PickupRefused(self.node, self.order, f"already {self.state.value}")
        if not self.matches(code):
            raise WrongPickupCode(self.node)
        if now > self.until:
            until = self.until.astimezone(zone)
            raise PickupRefused(
                self.node, self.order, f"the code ran out at {until:%Y-%m-%d %H:%M %Z}"
            )
        return replace(self, state=Held.COLLECTED, ended_at=now)

    def expire(self, now: datetime) -> Assignment:
        if self.state is not Held.ASSIGNED or now <= self.until:
            raise PickupRefused(self.node, self.order, "not past its deadline, or not in a locker")
        return replace(self, state=Held.EXPIRED, ended_at=now)


@dataclass(eq=False)
class NoCompartmentFits(DomainError):
    """No free compartment at `node` takes a parcel of `parcel` (LxWxH mm)."""

    node: str
    parcel: str
    free: int
    code = "no_compartment_fits"

    def __str__(self) -> str:
        return (
            f"no free compartment at {self.node} takes a {self.parcel} mm parcel ({self.free} free)"
        )


@dataclass(frozen=True, slots=True)
class CodeGuard:
    """The wrong pickup codes lately tried at one locker, and until when it takes none."""

    node: str
    wrong: tuple[datetime, ...] = ()  # within the window, oldest first
    locked_until: datetime | None = None

    def check(self, now: datetime, zone: tzinfo) -> None:
        """Refuse any code while the locker is locked (saying until when on the clock of
        `zone`, the locker's)."""
        if self.locked_until is not None and now < self.locked_until:
            raise TooManyWrongCodes(self.node, self.locked_until.astimezone(zone))

    def wrong_code(
        self,
        now: datetime,
        limit: int = WRONG_CODES,
        window: timedelta = WRONG_WINDOW,
        lockout: timedelta = LOCKOUT,
    ) -> CodeGuard:
        """After one more wrong code: locked for `lockout` once `limit` fell within `window`."""
        recent = (*(t for t in self.wrong if now - t < window), now)
        if len(recent) >= limit:
            return CodeGuard(self.node, (), now + lockout)
        return CodeGuard(self.node, recent, self.locked_until)

    def left(self, now: datetime, limit: int = WRONG_CODES) -> int:
        """Wrong codes still taken before the locker locks (none while it is locked)."""
        if self.locked_until is not None and now < self.locked_until:
            return 0
        return max(0, limit - len(self.wrong))


@dataclass(eq=False)
class WrongPickupCode(DomainError):
    node: str
    left: int | None = None  # wrong codes still taken before the locker locks
    code = "wrong_pickup_code"

    def __str__(self) -> str:
        said = f"that code opens no compartment at {self.node}"
        if self.left is None:
            return said
        if self.left == 0:
            return f"{said}; too many wrong codes: the locker takes none for a while"
        return f"{said} ({self.left} more wrong {'code' if self.left == 1 else 'codes'} lock it)"


@dataclass(eq=False)
class TooManyWrongCodes(DomainError):
    """Too many wrong codes were tried at `node` lately: it takes no code until `until`."""

    node: str
    until: datetime
    code = "too_many_wrong_codes"

    def __str__(self) -> str:
        return (
            f"too many wrong codes at {self.node}: it takes no code until "
            f"{self.until:%Y-%m-%d %H:%M %Z}".rstrip()
        )


@dataclass(eq=False)
class PickupRefused(DomainError):
    node: str
    order: str
    reason: str
    code = "pickup_refused"

    def __str__(self) -> str:
        return f"order {self.order} at {self.node}: {self.reason}"


def hash_code(code: str, salt: str) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", code.encode(), salt.encode(), HASH_ROUNDS)
    return digest.hex()


def check_pickup_code(code: str) -> str:
    if not (code.isdigit() and 6 <= len(code) <= 8):
        raise InvalidValue("pickup code", "******", "a pickup code is 6 to 8 digits")
    return code


def parcel_size(items: Sequence[PackItem]) -> Size:
    """The size of the items packed together without a box: laid side by side along their
    shortest side (a package template's inner size is better, when the node has one)."""
    if not items:
        raise InvalidValue("items", "", "a parcel holds at least one item")
    sides = [_sides(item.size) for item in items]
    height = sum(s[0] * item.quantity for s, item in zip(sides, items, strict=True))
    return Size(max(s[2] for s in sides), max(s[1] for s in sides), height)


def free(compartments: Iterable[Compartment], busy: Iterable[str]) -> list[Compartment]:
    taken = set(busy)
    return [c for c in compartments if c.code not in taken]


def smallest_fitting(node: str, free_ones: Sequence[Compartment], parcel: Size) -> Compartment:
    """The smallest free compartment the parcel fits, or NoCompartmentFits."""
    fitting = [c for c in free_ones if c.takes(parcel)]
    if not fitting:
        raise NoCompartmentFits(node, str(parcel), len(free_ones))
    return min(fitting, key=lambda c: (c.volume_mm3, c.code))


def assign(
    order: str,
    node: str,
    free_ones: Sequence[Compartment],
    parcel: Size,
    code: str,
    salt: str,
    at: datetime,
    until: datetime,
) -> Assignment:
    """Put the order's parcel in the smallest free compartment it fits, behind `code`."""
    if until <= at:
        raise InvalidValue("until", until.isoformat(), "a pickup deadline is after assignment")
    compartment = smallest_fitting(node, free_ones, parcel)
    return Assignment(
        order, node, compartment.code, hash_code(check_pickup_code(code), salt), salt, until, at
    )


def _sides(size: Size) -> tuple[int, int, int]:
    a, b, c = sorted((size.length_mm, size.width_mm, size.height_mm))
    return (a, b, c)
