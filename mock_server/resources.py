"""Where the contract documents and fixtures live (in the checkout, or inside an installed wheel)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_data"
_CHECKOUT = _PACKAGE.parent


def _find(name: str) -> Path:
    for base in (_BUNDLED, _CHECKOUT):
        if (base / name).is_dir():
            return base / name
    raise FileNotFoundError(f"cannot find the {name}/ folder next to {_PACKAGE}")


OPENAPI_DIR = _find("openapi")
FIXTURES_DIR = _find("fixtures")
CONTRACT = OPENAPI_DIR / "contract.yaml"
CONTROL = OPENAPI_DIR / "control.yaml"
STATIC_DIR = _PACKAGE / "static"
