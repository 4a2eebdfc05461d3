"""Secret references: a property value that names where a secret is instead of holding it.

A secret property (``kafka`` group: ``sasl.password``, ``sasl.username``, ``ssl.keystore.password``,
``ssl.key.password``) takes either a literal (for throw-away local runs only) or a reference:

- ``env:NAME``: the environment variable ``NAME`` of the process that runs the Kafka client (the
  Flink JVM locally, the ``msk-features`` CLI). For local runs and CI.
- ``secretsmanager:<secret name or ARN>:<json key>``: the JSON key of an AWS Secrets Manager secret
  whose value is a JSON object, e.g. an MSK SCRAM secret
  ``secretsmanager:AmazonMSK_app:password``. For Managed Flink.

Neither form is ever resolved into the properties file, the SQL or the Terraform state. The Flink
job hands the reference to the Java Kafka client as a Kafka config-provider variable
(``${env:NAME}``, ``${secretsmanager:<id>:<key>}``, see :meth:`SecretRef.kafka_variable`), which the
client resolves in the JVM when it connects; the CLI resolves it in Python at connection time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

__all__ = ["SECRET_REF_FORMS", "SecretRef", "parse_secret_ref"]

SECRET_REF_FORMS = "env:VARIABLE or secretsmanager:<secret name or ARN>:<json key>"

Provider = Literal["env", "secretsmanager"]

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Secrets Manager secret names: letters, digits and /_+=.@- (up to 512 characters).
_SECRET_NAME = re.compile(r"[A-Za-z0-9/_+=.@-]{1,512}")
_SECRET_ARN = re.compile(
    r"arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d):\d{12}:secret:[A-Za-z0-9/_+=.@-]+"
)
_JSON_KEY = re.compile(r"[^:${}\s]+")


@dataclass(frozen=True)
class SecretRef:
    """Where a secret is: an environment variable (``env``) or a key of a Secrets Manager secret.

    ``name`` is the variable name or the secret's name or ARN; ``key`` the JSON key inside the
    secret (``None`` for ``env``). ``str()`` gives back the property form.
    """

    provider: Provider
    name: str
    key: str | None = None

    def __str__(self) -> str:
        return f"env:{self.name}" if self.provider == "env" else f"secretsmanager:{self.name}:{self.key}"

    @property
    def region(self) -> str | None:
        """The AWS region of a Secrets Manager ARN reference; ``None`` for a name or ``env``."""
        match = _SECRET_ARN.fullmatch(self.name) if self.provider == "secretsmanager" else None
        return match.group("region") if match else None

    def kafka_variable(self) -> str:
        """The Kafka config-provider variable the Java client resolves: ``${env:NAME}`` or
        ``${secretsmanager:<id>:<key>}``, an ARN percent-encoded (Kafka's variable syntax splits on
        ``:``; ``com.mskflinkfeatures.kafka.SecretsManagerConfigProvider`` decodes ``%XX`` only, so a
        ``+`` in a secret name stays as it is)."""
        if self.provider == "env":
            return "${env:" + self.name + "}"
        return "${secretsmanager:" + quote(self.name, safe="_+=.@-") + ":" + str(self.key) + "}"


def parse_secret_ref(value: str) -> SecretRef | None:
    """The reference ``value`` holds, ``None`` when it is a literal; ``ValueError`` when malformed.

    A value starting with ``env:`` or ``secretsmanager:`` is a reference (so a literal cannot start
    with those), and so is one containing ``${`` (Kafka's own variable syntax, which is refused: use
    the forms above).
    """
    if value.startswith("env:"):
        name = value[len("env:") :]
        if not _ENV_NAME.fullmatch(name):
            raise ValueError(f"'env:{name}' does not name an environment variable (letters, digits, _)")
        return SecretRef("env", name)
    if value.startswith("secretsmanager:"):
        rest = value[len("secretsmanager:") :]
        secret, _, key = rest.rpartition(":")
        if not secret or not key:
            raise ValueError("a Secrets Manager reference needs a secret and a JSON key")
        if not (_SECRET_NAME.fullmatch(secret) or _SECRET_ARN.fullmatch(secret)):
            raise ValueError(f"'{secret}' is neither a Secrets Manager secret name nor a secret ARN")
        if not _JSON_KEY.fullmatch(key):
            raise ValueError(f"'{key}' is not a JSON key (no ':', '$', braces or spaces)")
        return SecretRef("secretsmanager", secret, key)
    if "${" in value:
        raise ValueError("Kafka '${...}' variables are not accepted here")
    return None
