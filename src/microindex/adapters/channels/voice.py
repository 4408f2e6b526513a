"""A voice answer as SSML (for a speech engine) and as JSON (for an assistant's app)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from microindex.domain.channels.text import clean
from microindex.domain.channels.voice import VoiceAnswer, answer_text

SSML_NS = "http://www.w3.org/2001/10/synthesis"


def ssml(answer: VoiceAnswer) -> str:
    text = escape(clean(answer_text(answer)))
    lang = answer.language
    return f'<speak version="1.1" xmlns="{SSML_NS}" xml:lang="{lang}"><p><s>{text}</s></p></speak>'


def voice_json(answer: VoiceAnswer) -> dict[str, Any]:
    return {
        "question": clean(answer.question),
        "language": answer.language,
        "sku": answer.sku or None,
        "title": clean(answer.title) or None,
        "in_stock": answer.in_stock,
        "speech": clean(answer_text(answer)),
        "ssml": ssml(answer),
        "nodes": [
            {
                "node": n.node,
                "name": clean(n.name),
                "distance_km": round(n.distance_km, 2),
                "in_stock": n.spoken.in_stock,
                "quantity": n.spoken.quantity or None,
                "ready_by": n.ready_by.isoformat() if n.ready_by else None,
            }
            for n in answer.nodes
        ],
    }
