"""Second-factor codes for the virtual users (RFC 6238, as django-otp's TOTPDevice computes
them), without Django."""

from __future__ import annotations

import hashlib
import hmac
import struct
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class TotpKey:
    key: bytes
    step: int = 30
    t0: int = 0
    digits: int = 6

    @classmethod
    def from_manifest(cls, data: dict[str, object]) -> TotpKey:
        return cls(
            key=bytes.fromhex(str(data["key"])),
            step=int(str(data.get("step", 30))),
            t0=int(str(data.get("t0", 0))),
            digits=int(str(data.get("digits", 6))),
        )

    def counter(self, now: float | None = None) -> int:
        return int(((time.time() if now is None else now) - self.t0) // self.step)

    def seconds_left(self, now: float | None = None) -> float:
        now = time.time() if now is None else now
        return self.step - (now - self.t0) % self.step

    def code(self, counter: int) -> str:
        digest = hmac.new(self.key, struct.pack(">Q", counter), hashlib.sha1).digest()
        offset = digest[-1] & 0x0F
        value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
        return f"{value % 10**self.digits:0{self.digits}d}"
