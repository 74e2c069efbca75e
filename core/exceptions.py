"""Errors shared by all apps."""


class DecryptionError(Exception):
    """Encrypted data could not be decrypted: missing key, wrong key or tampered data.

    The message never contains plaintext or ciphertext.
    """


class EncryptedFieldError(Exception):
    """An encrypted field was used in a way that would expose or bypass its encryption."""


class ServiceError(Exception):
    """A service refused a change; ``message`` is shown to the user (Dutch)."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
