"""Quality checks the channels enforce on the image they are sent, as a table of rules."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ChannelRule:
    """What one channel accepts: least width and height, aspect range (width/height), bytes."""

    channel: str
    min_width: int
    min_height: int
    min_aspect: float
    max_aspect: float
    max_bytes: int


CHANNEL_RULES: dict[str, ChannelRule] = {
    "google": ChannelRule("google", 500, 500, 1 / 4, 4.0, 16 * MB),
    "meta": ChannelRule("meta", 500, 500, 1 / 2, 2.0, 8 * MB),
    "web": ChannelRule("web", 800, 800, 1 / 2, 2.0, 5 * MB),
}


@dataclass(frozen=True, slots=True)
class QualityIssue:
    channel: str
    check: str  # "too_small", "aspect" or "too_heavy"
    detail: str

    def __str__(self) -> str:
        return f"{self.channel}: {self.detail}"


def quality_issues(
    width: int, height: int, byte_size: int, rule: ChannelRule
) -> list[QualityIssue]:
    """Every way an image of this size breaks `rule`; empty when the channel will take it."""
    issues: list[QualityIssue] = []
    if width < rule.min_width or height < rule.min_height:
        issues.append(
            QualityIssue(
                rule.channel,
                "too_small",
                f"{width}x{height} px, needs at least {rule.min_width}x{rule.min_height}",
            )
        )
    aspect = width / height if height else 0.0
    if not rule.min_aspect <= aspect <= rule.max_aspect:
        issues.append(
            QualityIssue(
                rule.channel,
                "aspect",
                f"aspect {aspect:.2f} outside {rule.min_aspect:.2f}-{rule.max_aspect:.2f}",
            )
        )
    if byte_size > rule.max_bytes:
        issues.append(
            QualityIssue(rule.channel, "too_heavy", f"{byte_size} bytes, at most {rule.max_bytes}")
        )
    return issues


def all_issues(width: int, height: int, byte_size: int) -> list[QualityIssue]:
    return [
        issue
        for rule in CHANNEL_RULES.values()
        for issue in quality_issues(width, height, byte_size, rule)
    ]
