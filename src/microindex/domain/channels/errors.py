"""What a channel refused, with the data to act on it."""

from __future__ import annotations

from dataclasses import dataclass

from microindex.domain.errors import DomainError


@dataclass(eq=False)
class ChannelUnavailable(DomainError):
    """The channel did not take the payload (no answer, or a retryable status): nothing was
    recorded as sent; send again later."""

    channel: str
    key: str
    status: int | None
    detail: str
    code = "channel_unavailable"

    def __str__(self) -> str:
        shown = "no answer" if self.status is None else f"status {self.status}"
        return f"{self.channel} did not take {self.key!r} ({shown}): {self.detail}"


@dataclass(eq=False)
class ItemRefused(DomainError):
    """The channel answered and refused one item (a 4xx for that item): the item is not
    recorded as sent, so a changed-only push sends it again."""

    channel: str
    offer: str  # the id the channel was given
    status: int
    reason: str
    code = "item_refused"

    def __str__(self) -> str:
        return f"{self.channel} refused {self.offer!r} (status {self.status}): {self.reason}"
