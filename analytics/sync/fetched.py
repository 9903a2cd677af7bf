"""What one vendor fetch brought back, before anything touches the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass
class Fetched:
    """Pages per endpoint (the response bodies, byte for byte), names for ids, and running totals."""

    vendor: str
    first_day: date
    last_day: date
    files: dict[str, list[bytes]] = field(default_factory=dict)  # file stem -> page bodies
    labels: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, id, name)
    pages: int = 0
    cost_usd: Decimal = Decimal(0)
    days_with_data: set[date] = field(default_factory=set)

    def add_page(self, stem: str, body: bytes) -> None:
        self.files.setdefault(stem, []).append(body)
        self.pages += 1

    def as_file(self, stem: str) -> bytes:
        """One JSON array of the endpoint's pages: the shape the Admin JSON readers take."""
        return b"[\n" + b",\n".join(self.files[stem]) + b"\n]\n"
