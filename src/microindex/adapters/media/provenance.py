"""C2PA manifests through c2pa-python: sign each published rendition, verify any file.

Every manifest names the rendition's parent as a `parentOf` ingredient (the private original
for a fresh capture, the earlier signed image for an edit), so the chain survives edits.
Verification trusts only the workspace's own capture CA: a manifest from any other key is
intact but of an unknown signer.
"""

from __future__ import annotations

import io
from typing import Any

import c2pa

from microindex.adapters.media.signing_identity import SigningIdentity
from microindex.domain.capture.provenance import (
    CaptureClaim,
    ProvenanceStatus,
    Verdict,
)
from microindex.service.capture_ports import Made, Parent

CLAIM_LABEL = "org.microindex.capture"
GENERATOR = {"name": "microindex", "version": "0.1.0"}
UNTRUSTED = "signingCredential.untrusted"
PARENT_LABEL = "parent"


class C2paProvenance:
    def __init__(self, identity: SigningIdentity) -> None:
        self._identity = identity
        self._settings = {
            "builder": {"thumbnail": {"enabled": False}},
            "trust": {"trust_anchors": identity.ca_pem.decode("ascii")},
            "verify": {"verify_trust": True, "ocsp_fetch": False, "remote_manifest_fetch": False},
        }

    @property
    def identity(self) -> SigningIdentity:
        return self._identity

    def _context(self) -> c2pa.Context:
        return c2pa.Context(c2pa.Settings.from_dict(self._settings))

    def sign(self, made: Made, claim: CaptureClaim, parent: Parent) -> bytes:
        info = c2pa.C2paSignerInfo(
            c2pa.C2paSigningAlg.ES256, self._identity.chain_pem, self._identity.key_pem, None
        )
        with (
            self._context() as context,
            c2pa.Signer.from_info(info) as signer,
            c2pa.Builder(manifest(made, claim), context) as builder,
        ):
            ingredient = {"title": parent.title, "relationship": "parentOf", "label": PARENT_LABEL}
            builder.add_ingredient(ingredient, parent.media_type, io.BytesIO(parent.data))
            out = io.BytesIO()
            builder.sign(signer, made.media_type, io.BytesIO(made.data), out)
            return out.getvalue()

    def verify(self, data: bytes, media_type: str) -> Verdict:
        try:
            with (
                self._context() as context,
                c2pa.Reader(media_type, io.BytesIO(data), context=context) as reader,
            ):
                state = reader.get_validation_state()
                results = reader.get_validation_results() or {}
                active = reader.get_active_manifest() or {}
        except c2pa.C2paError.ManifestNotFound:
            return Verdict(ProvenanceStatus.UNSIGNED, {}, problems=("no C2PA manifest",))
        except c2pa.C2paError as error:
            return Verdict(ProvenanceStatus.TAMPERED, {}, problems=(str(error),))
        return _verdict(state, results, active)


def manifest(made: Made, claim: CaptureClaim) -> dict[str, Any]:
    actions = [
        {"action": "c2pa.opened", "parameters": {"ingredientIds": [PARENT_LABEL]}},
        {"action": claim.action, "description": claim.description},
    ]
    return {
        "claim_generator_info": [GENERATOR],
        "title": f"{claim.sku or claim.asset_id}-{made.name.value}",
        "format": made.media_type,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": actions}},
            {"label": CLAIM_LABEL, "data": claim.assertion()},
            {
                "label": "stds.schema-org.CreativeWork",
                "data": {
                    "@context": "https://schema.org",
                    "@type": "CreativeWork",
                    "author": [{"@type": "Person", "name": claim.author}],
                },
            },
        ],
    }


def _verdict(state: str | None, results: dict[str, Any], active: dict[str, Any]) -> Verdict:
    failures = [f.get("code", "") for f in results.get("activeManifest", {}).get("failure", [])]
    claim = _claim(active)
    signer = str(active.get("signature_info", {}).get("common_name", ""))
    parents = tuple(
        str(i.get("title", ""))
        for i in active.get("ingredients", [])
        if i.get("relationship") == "parentOf"
    )
    if state == "Trusted" and not failures:
        status = ProvenanceStatus.VALID
    elif state == "Valid" and set(failures) <= {UNTRUSTED}:
        status = ProvenanceStatus.UNKNOWN_SIGNER
    else:
        status = ProvenanceStatus.TAMPERED
    return Verdict(status, claim, signer, parents, tuple(failures))


def _claim(active: dict[str, Any]) -> dict[str, str]:
    for assertion in active.get("assertions", []):
        if assertion.get("label") == CLAIM_LABEL:
            return {str(k): str(v) for k, v in assertion.get("data", {}).items()}
    return {}
