"""A self-signed CA and a broker certificate for the local SASL_SSL listener, written as PEM files.

Generated with the ``cryptography`` package (no ``openssl`` command needed). The broker reads
``broker-keystore.pem`` with ``ssl.keystore.type=PEM`` (an unencrypted PKCS#8 key followed by the
certificate chain in one file); clients trust ``ca.pem`` with ``ssl.truststore.type=PEM`` (Java) or
``ssl.ca.location`` (librdkafka). The broker certificate names ``DNS:localhost`` and
``IP:127.0.0.1`` so host name verification passes for either bootstrap form.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["TlsMaterial", "create_ca", "ensure_tls_material", "write_ca"]

log = logging.getLogger(__name__)

CA_VALIDITY_DAYS = 3650
LEAF_VALIDITY_DAYS = 825
_RENEW_BEFORE = dt.timedelta(days=7)


@dataclass(frozen=True)
class TlsMaterial:
    """Paths of the generated PEM files.

    ``ca_cert`` is the client truststore; ``broker_keystore`` holds the broker's PKCS#8 key followed by
    its certificate and the CA certificate (``ssl.keystore.type=PEM``).
    """

    ca_cert: Path
    ca_key: Path
    broker_cert: Path
    broker_key: Path
    broker_keystore: Path


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write(path: Path, data: bytes, private: bool = False) -> None:
    """Write ``data`` atomically; private files are created with mode 0600."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def create_ca(common_name: str = "msk-flink-features local CA") -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A new self-signed CA key and certificate (valid from yesterday for ``CA_VALIDITY_DAYS``)."""
    key = _new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=CA_VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _create_leaf(
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    common_name: str,
    dns_names: Sequence[str],
    ip_addresses: Sequence[str],
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = _new_key()
    now = dt.datetime.now(dt.UTC)
    san: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    san += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=LEAF_VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _usable(material: TlsMaterial, dns_names: Sequence[str], ip_addresses: Sequence[str]) -> bool:
    """True if every file exists, the broker certificate is valid for a while and names every host."""
    paths = (
        material.ca_cert,
        material.ca_key,
        material.broker_cert,
        material.broker_key,
        material.broker_keystore,
    )
    if not all(path.is_file() for path in paths):
        return False
    try:
        cert = x509.load_pem_x509_certificate(material.broker_cert.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    if cert.not_valid_after_utc - _RENEW_BEFORE < dt.datetime.now(dt.UTC):
        return False
    names = set(san.get_values_for_type(x509.DNSName))
    ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    return set(dns_names) <= names and set(ip_addresses) <= ips


def ensure_tls_material(
    directory: Path,
    dns_names: Sequence[str] = ("localhost",),
    ip_addresses: Sequence[str] = ("127.0.0.1",),
) -> TlsMaterial:
    """The CA and broker PEM files in ``directory``, generated if missing, expiring or incomplete.

    Existing usable files are reused, so clients keep trusting the same CA across ``up``s. Private
    keys are written with mode 0600 and the directory with 0700.
    """
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    material = TlsMaterial(
        ca_cert=directory / "ca.pem",
        ca_key=directory / "ca-key.pem",
        broker_cert=directory / "broker-cert.pem",
        broker_key=directory / "broker-key.pem",
        broker_keystore=directory / "broker-keystore.pem",
    )
    if _usable(material, dns_names, ip_addresses):
        log.debug("reusing TLS material in %s", directory)
        return material
    log.info("generating a CA and a broker certificate in %s", directory)
    ca_key, ca_cert = create_ca()
    key, cert = _create_leaf(ca_key, ca_cert, "localhost", dns_names, ip_addresses)
    _write(material.ca_key, _key_pem(ca_key), private=True)
    _write(material.ca_cert, _cert_pem(ca_cert))
    _write(material.broker_key, _key_pem(key), private=True)
    _write(material.broker_cert, _cert_pem(cert) + _cert_pem(ca_cert))
    _write(material.broker_keystore, _key_pem(key) + _cert_pem(cert) + _cert_pem(ca_cert), private=True)
    return material


def write_ca(directory: Path, common_name: str = "an unrelated CA") -> Path:
    """Write a fresh, unrelated CA certificate to ``directory/ca.pem`` and return its path.

    Useful to check that a client trusting a different CA is refused by the broker.
    """
    directory.mkdir(parents=True, exist_ok=True)
    _key, cert = create_ca(common_name)
    path = directory / "ca.pem"
    _write(path, _cert_pem(cert))
    return path
