"""Certificates for the TLS tests, made by the openssl command line: a CA, a certificate it signed
for 127.0.0.1 (and localhost), and a CA that signed nothing here."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pki:
    ca: Path  # signed the broker's certificate
    stranger: Path  # another CA
    cert: Path
    key: Path


def openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=60)


def make_pki(folder: Path) -> Pki:
    """A CA, a certificate it signed for 127.0.0.1, and a CA that signed nothing here."""
    for name in ("ca", "stranger"):
        subject = f"/CN=cckpi test {name}"
        key, cert = folder / f"{name}.key", folder / f"{name}.pem"
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", subject,
                "-keyout", key, "-out", cert)  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", folder / "broker.key", "-out", folder / "broker.csr")  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    signer: list[str | Path] = ["-CA", folder / "ca.pem", "-CAkey", folder / "ca.key", "-CAcreateserial"]
    openssl("x509", "-req", "-in", folder / "broker.csr", *signer, "-days", "2",
            "-extfile", folder / "san.ext", "-out", folder / "broker.pem")  # fmt: skip
    return Pki(folder / "ca.pem", folder / "stranger.pem", folder / "broker.pem", folder / "broker.key")
