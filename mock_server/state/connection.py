"""Connecting: mongomock's embedded database, or the MongoDB a URI names."""

from __future__ import annotations

import mongomock
import pymongo
from pymongo.database import Database


def connect(mongo_uri: str | None, database: str) -> Database:
    """The database: mongomock's, or the one a MongoDB URI names (``database`` when it names none).

    Raises ``ConnectionError`` (one line, no password) when the URI is wrong or MongoDB does not answer.
    """
    if not mongo_uri:
        return mongomock.MongoClient()[database]
    shown = redact_uri(mongo_uri)
    if not mongo_uri.startswith(("mongodb://", "mongodb+srv://")):
        raise ConnectionError(f"--mongo-uri {shown} is not a MongoDB URI (mongodb://HOST[:PORT]/DATABASE)")
    try:
        client = pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=3000)
        db = client.get_default_database(default=database)
        client.admin.command("ping")
    except pymongo.errors.ConfigurationError as wrong:
        raise ConnectionError(f"--mongo-uri {shown} is not a MongoDB URI: {wrong}") from None
    except (pymongo.errors.PyMongoError, ValueError) as failed:
        reason = str(failed).split(" (configured")[0].split(", Timeout")[0]
        raise ConnectionError(f"cannot reach MongoDB at {shown}: {reason}") from None
    return db


def is_embedded(database: Database) -> bool:
    """Whether this process is the database's only writer (mongomock's, in memory)."""
    return isinstance(database.client, mongomock.MongoClient)


def redact_uri(uri: str) -> str:
    """A MongoDB URI without its password, for messages."""
    scheme, sep, rest = uri.partition("://")
    if "@" not in rest:
        return uri
    credentials, _, host = rest.rpartition("@")
    return f"{scheme}{sep}{credentials.split(':')[0]}:***@{host}"
