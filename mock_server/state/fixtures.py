"""Reads the YAML seed data of ``fixtures/`` into plain values."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Fixtures:
    identities: list[dict]
    timezones: dict[str, list[str]]
    investors: list[dict]
    stakes: list[dict]
    pools: dict[str, dict]
    schedule: dict | None
    config: dict
    permissions: dict


# libyaml's safe loader when PyYAML was built with it (the contract is large), else PyYAML's.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Each file parsed once per process while it is unchanged (every app is built from the same files): the
# values kept pickled, so each caller gets its own copy.
_parsed: dict[tuple[str, int, int], bytes] = {}


def read_yaml(path: Path):
    """A YAML file's plain values (safe loading only), a fresh copy for each caller."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _parsed:
        with path.open(encoding="utf-8") as handle:
            _parsed[key] = pickle.dumps(yaml.load(handle, Loader=SAFE_LOADER))
    return pickle.loads(_parsed[key])


PROFILES = ("current", "seed")  # which generation of the admin app the fixtures suit (README)


def load(folder: Path, profile: str = "current") -> Fixtures:
    """The fixtures of ``folder``; the schedule is ``schedule.<profile>.yaml`` when the folder has
    one, else ``schedule.yaml`` (the seed's)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}: use one of {', '.join(PROFILES)}")
    stakes = read_yaml(folder / "stakes.yaml")
    schedule_path = folder / f"schedule.{profile}.yaml"
    if not schedule_path.exists():
        schedule_path = folder / "schedule.yaml"
    config_path = folder / "config.yaml"
    permissions_path = folder / "permissions.yaml"
    return Fixtures(
        identities=read_yaml(folder / "identities.yaml"),
        timezones=read_yaml(folder / "timezones.yaml"),
        investors=stakes["users"],
        stakes=stakes["stakes"],
        pools=stakes["pools"],
        schedule=read_yaml(schedule_path) if schedule_path.exists() else None,
        config=read_yaml(config_path) if config_path.exists() else {"values": {}, "tooltips": {}},
        permissions=read_yaml(permissions_path) if permissions_path.exists() else {"permissions": [], "roles": {}},
    )
