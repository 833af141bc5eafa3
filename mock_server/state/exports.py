"""History exports: CSV texts behind a download link; the last ``EXPORTS_KEPT`` are kept."""

from __future__ import annotations

from .changes import Concept
from .database import Repository

EXPORTS_KEPT = 20  # download links stay valid for the last this many exports


class Exports(Repository):
    concept = Concept.EXPORTS

    def add(self, export_id: str, text: str, created_at: str) -> None:
        with self._writing():
            self.db.exports.insert_one({"_id": export_id, "text": text, "createdAt": created_at})
            kept = self.db.exports.find({}, {"_id": True}).sort("createdAt", -1)
            stale = [doc["_id"] for doc in kept][EXPORTS_KEPT:]
            if stale:
                self.db.exports.delete_many({"_id": {"$in": stale}})

    def text(self, export_id: str) -> str | None:
        doc = self.db.exports.find_one({"_id": export_id})
        return doc["text"] if doc else None
