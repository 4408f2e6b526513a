"""A spoken answer to "is the blue mug in stock near me?": which product, where, how sure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from microindex.domain.channels.mapping import Spoken

FILLER = frozenset(
    [
        "is",
        "are",
        "the",
        "a",
        "an",
        "any",
        "do",
        "does",
        "you",
        "have",
        "has",
        "got",
        "in",
        "stock",
        "near",
        "me",
        "nearby",
        "around",
        "here",
        "there",
        "available",
        "can",
        "i",
        "get",
        "buy",
        "find",
        "where",
        "some",
        "your",
        "store",
        "shop",
        "please",
    ]
)
_WORD = re.compile(r"[\w'-]+")


def question_terms(question: str) -> str:
    """The words of the question that name the product."""
    words = [w for w in _WORD.findall(question.lower()) if w not in FILLER]
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class NodeAnswer:
    node: str
    name: str
    distance_km: float
    spoken: Spoken
    ready_by: datetime | None = None


@dataclass(frozen=True, slots=True)
class VoiceAnswer:
    question: str
    sku: str  # "" when no product matched
    title: str
    nodes: tuple[NodeAnswer, ...]  # nearest first

    @property
    def in_stock(self) -> bool | None:
        """True: some node nearby has it; False: none has it (or none nearby holds it);
        None: the figures are too old to say."""
        said = [n.spoken.in_stock for n in self.nodes]
        if any(said):
            return True
        return None if None in said else False

    @property
    def where(self) -> NodeAnswer | None:
        return next((n for n in self.nodes if n.spoken.in_stock), None)


def answer_text(answer: VoiceAnswer) -> str:
    """The sentence to say; it never claims stock a stale figure cannot back."""
    if not answer.sku:
        return "Sorry, I couldn't find that product."
    where = answer.where
    if where is not None:
        count = f", {where.spoken.quantity} left" if 0 < where.spoken.quantity <= 5 else ""
        ready = f", ready by {where.ready_by:%H:%M %Z}".rstrip() if where.ready_by else ""
        return (
            f"Yes. The {answer.title} is in stock at {where.name}{count}, "
            f"{where.distance_km:.1f} kilometres away{ready}."
        )
    if answer.in_stock is False:
        return f"Sorry, the {answer.title} is out of stock near you."
    return f"I can't confirm stock of the {answer.title} near you right now."
