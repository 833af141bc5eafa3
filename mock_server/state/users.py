"""The staff accounts: sign-in lookups, the authenticated user, two-factor set-up and replay guard."""

from __future__ import annotations

from collections.abc import Mapping

from .changes import Concept, Key, freeze
from .database import Repository


class Users(Repository):
    concept = Concept.USERS

    def by_id(self, user_id: str) -> Mapping | None:
        """The account (read-only, shared: every authenticated request reads its user)."""

        def read() -> Mapping | None:
            found = self.db.users.find_one({"_id": user_id})
            return None if found is None else freeze(found)

        return self.changes.cached(Key.USER, read, user_id, shared=True)

    def by_identifier(self, identifier: str) -> dict | None:
        text = identifier.strip()
        return self.db.users.find_one({"$or": [{"email": text.lower()}, {"username": text}]})

    def open_two_factor_setup(self, user_id: str, secret: str, token: str) -> None:
        """Keep a new TOTP secret beside the account, until confirmed (replacing an unfinished one)."""
        with self._writing():
            self.db.users.update_one({"_id": user_id}, {"$set": {"twoFactorSetup": {"secret": secret, "token": token}}})

    def enable_two_factor(self, user_id: str, token: str) -> dict | None:
        """Turn 2FA on with the secret of the set-up ``token`` names; the updated account, or None when
        that set-up is not (or no longer) open."""
        with self._writing(), self.atomic:
            user = self.db.users.find_one({"_id": user_id, "twoFactorSetup.token": token})
            if user is None:
                return None
            secret = user["twoFactorSetup"]["secret"]
            self.db.users.update_one(
                {"_id": user_id},
                {
                    "$set": {"twoFAEnabled": True, "totpSecret": secret},
                    "$unset": {"twoFactorSetup": "", "lastTotpStep": ""},
                },
            )
        return self.db.users.find_one({"_id": user_id})

    def accept_totp_step(self, user_id: str, step: int) -> bool:
        """Strict 2FA: record ``step`` as used; False when it (or a later one) was used before."""
        with self._writing(), self.atomic:
            updated = self.db.users.find_one_and_update(
                {"_id": user_id, "$or": [{"lastTotpStep": {"$exists": False}}, {"lastTotpStep": {"$lt": step}}]},
                {"$set": {"lastTotpStep": step}},
            )
        return updated is not None
