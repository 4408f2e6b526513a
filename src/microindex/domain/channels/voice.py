"""A spoken answer to "is the blue mug in stock near me?": which product, where, how sure.

It is said in the shop's language (`language` in microindex.toml, a BCP 47 tag such as en-GB
or fr-FR), of those whose words are here: English and French.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from microindex.domain.channels.mapping import Spoken
from microindex.domain.errors import InvalidValue

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
FRENCH_FILLER = frozenset(
    [
        "est",
        "ce",
        "que",
        "qu",
        "est-ce",
        "il",
        "y",
        "a",
        "t",
        "vous",
        "avez",
        "as",
        "tu",
        "auriez-vous",
        "du",
        "de",
        "des",
        "la",
        "le",
        "les",
        "l",
        "d",
        "un",
        "une",
        "en",
        "stock",
        "près",
        "proche",
        "moi",
        "chez",
        "ici",
        "là",
        "disponible",
        "disponibles",
        "dispo",
        "où",
        "trouver",
        "acheter",
        "votre",
        "vos",
        "boutique",
        "magasin",
        "s'il",
        "plaît",
        "svp",
        "encore",
        "reste",
    ]
)
FILLERS = {"en": FILLER, "fr": FRENCH_FILLER}
DEFAULT_LANGUAGE = "en-GB"
_WORD = re.compile(r"[\w'-]+")
_ELIDED = re.compile(r"^(?:qu|[cdjlmnst])'")  # French l'huile, d'argan: the word after
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Z]{2}|-[0-9]{3})?")


def spoken_language(tag: str) -> str:
    """`tag` if the voice can answer in it (a BCP 47 tag of a language it has words for),
    else InvalidValue naming the tags it takes."""
    if not _LANGUAGE.fullmatch(tag) or tag.split("-")[0] not in FILLERS:
        raise InvalidValue("language", tag, "a language voice answers are said in: en-GB, fr-FR")
    return tag


def question_terms(question: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The words of the question that name the product."""
    filler = FILLERS[language.split("-")[0]]
    words = []
    for word in _WORD.findall(question.lower().replace("\u2019", "'")):
        word = _ELIDED.sub("", word) if filler is FRENCH_FILLER else word
        if word and word not in filler and not all(p in filler for p in word.split("-")):
            words.append(word)
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
    language: str = DEFAULT_LANGUAGE  # a BCP 47 tag `spoken_language` takes

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
    """The sentence to say, in the answer's language; it never claims stock a stale figure
    cannot back."""
    if answer.language.split("-")[0] == "fr":
        return _french(answer)
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


def _french(answer: VoiceAnswer) -> str:
    """`answer_text` in French: no article before a title (its gender is not known), decimal
    commas."""
    if not answer.sku:
        return "Désolé, je n'ai pas trouvé ce produit."
    where = answer.where
    if where is not None:
        count = f", plus que {where.spoken.quantity}" if 0 < where.spoken.quantity <= 5 else ""
        ready = f", prêt dès {where.ready_by:%H:%M %Z}".rstrip() if where.ready_by else ""
        distance = f"{where.distance_km:.1f}"
        unit = "kilomètre" if float(distance) < 2 else "kilomètres"  # French: 1,5 kilomètre
        return (
            f"Oui, nous avons {answer.title} en stock à {where.name}{count}, "
            f"à {distance.replace('.', ',')} {unit}{ready}."
        )
    if answer.in_stock is False:
        return f"Désolé, {answer.title} est en rupture de stock près de chez vous."
    return f"Je ne peux pas confirmer pour l'instant le stock de {answer.title} près de chez vous."
