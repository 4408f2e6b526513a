"""The workspace's capture signing identity: a private CA and an ES256 signing certificate.

C2PA wants a certificate chain (leaf first, then the CA) whose leaf is an end-entity key for
digital signatures with the e-mail-protection purpose; the CA is what verification trusts.
Beside an embedded hub the keys are written owner-only under `<workspace>/keys/`; a hub in
PostgreSQL keeps them in its database (`ensure_kept_identity`), so every hub process signs with
the same. Made once; later calls load them.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from microindex.adapters.sync.secrets import KeyStore
from microindex.domain.capture.errors import NoSigningIdentity

KEYS_DIR = "keys"
CA_CERT = "capture-ca.pem"
CA_KEY = "capture-ca.key.pem"
SIGNER_CHAIN = "capture-signer.pem"
SIGNER_KEY = "capture-signer.key.pem"
CA_YEARS = 10
SIGNER_YEARS = 3
KEPT_PREFIX = "capture/"  # the names of the four files, under this prefix, in a hub's key store


@dataclass(frozen=True)
class SigningIdentity:
    chain_pem: bytes  # the signing certificate, then the CA's
    key_pem: bytes
    ca_pem: bytes  # the trust anchor verification accepts
    folder: Path | None = None  # None: kept in the hub's database

    @property
    def signer_name(self) -> str:
        leaf = x509.load_pem_x509_certificate(self.chain_pem)
        names = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else ""


def ensure_signing_identity(
    workspace_path: Path, organisation: str = "microindex shop", now: datetime | None = None
) -> SigningIdentity:
    """Create the CA and signing certificate if the workspace has none; return them."""
    folder = workspace_path / KEYS_DIR
    if not (folder / SIGNER_CHAIN).exists():
        _create(folder, organisation, now or datetime.now(UTC))
    return load_signing_identity(workspace_path)


def load_signing_identity(workspace_path: Path) -> SigningIdentity:
    folder = workspace_path / KEYS_DIR
    try:
        return SigningIdentity(
            (folder / SIGNER_CHAIN).read_bytes(),
            (folder / SIGNER_KEY).read_bytes(),
            (folder / CA_CERT).read_bytes(),
            folder,
        )
    except FileNotFoundError:
        raise NoSigningIdentity(str(folder)) from None


def ensure_kept_identity(
    keys: KeyStore,
    earlier: Path | None = None,
    organisation: str = "microindex shop",
    now: datetime | None = None,
) -> SigningIdentity:
    """The identity a hub keeps in its database, made on first use (two processes making one
    at once keep the first stored, whole: the four parts go in one transaction).

    `earlier`: a workspace whose `keys/` folder holds the identity the hub had before it kept
    it in its database; it is moved in (the files deleted), so earlier manifests still verify."""
    found = [keys.get(KEPT_PREFIX + name) for name in (SIGNER_CHAIN, SIGNER_KEY, CA_CERT)]
    if None in found:
        made = _files(earlier / KEYS_DIR) if earlier else None
        if made is None:
            made = _made(organisation, now or datetime.now(UTC))
        keys.add_new({KEPT_PREFIX + name: data for name, (data, _) in made.items()})
        if earlier is not None:
            for name in made:
                (earlier / KEYS_DIR / name).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                (earlier / KEYS_DIR).rmdir()  # only when empty
        found = [keys.get(KEPT_PREFIX + name) for name in (SIGNER_CHAIN, SIGNER_KEY, CA_CERT)]
    chain, key, ca = found
    if chain is None or key is None or ca is None:
        raise NoSigningIdentity("the hub's database")
    return SigningIdentity(chain, key, ca)


def _files(folder: Path) -> dict[str, tuple[bytes, bool]] | None:
    """The four parts as files in `folder`, or None unless all four are there."""
    parts = {CA_KEY: True, CA_CERT: False, SIGNER_KEY: True, SIGNER_CHAIN: False}
    if not all((folder / name).is_file() for name in parts):
        return None
    return {name: ((folder / name).read_bytes(), secret) for name, secret in parts.items()}


def _create(folder: Path, organisation: str, now: datetime) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    for name, (data, secret) in _made(organisation, now).items():
        _write(folder / name, data, secret)


def _made(organisation: str, now: datetime) -> dict[str, tuple[bytes, bool]]:
    """A new CA and signing certificate: each part's bytes by file name, and whether secret."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _ca_certificate(ca_key, organisation, now)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _signer_certificate(key, ca, ca_key, organisation, now)
    return {
        CA_KEY: (_private_pem(ca_key), True),
        CA_CERT: (_pem(ca), False),
        SIGNER_KEY: (_private_pem(key), True),
        SIGNER_CHAIN: (_pem(leaf) + _pem(ca), False),
    }


def _name(organisation: str, role: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} {role}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def _key_usage(sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign,
        crl_sign=not sign,
        encipher_only=False,
        decipher_only=False,
    )


def _ca_certificate(
    key: ec.EllipticCurvePrivateKey, organisation: str, now: datetime
) -> x509.Certificate:
    name = _name(organisation, "capture CA")
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _signer_certificate(
    key: ec.EllipticCurvePrivateKey,
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    organisation: str,
    now: datetime,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(_name(organisation, "capture signer"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * SIGNER_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: Path, data: bytes, secret: bool) -> None:
    mode = 0o600 if secret else 0o644
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
