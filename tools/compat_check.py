"""With pytest-base-url installed: serve the mock, then run the suite against it through --base-url
(pytest-base-url's option, reused by the suite) and through `novunt-mock verify`. Exit status: pytest's."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import httpx

from contract_tests.target import free_port, wait_until_answers


def main() -> int:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "mock_server", "serve", "--port", str(port), "--quiet"])
    try:
        if not wait_until_answers(f"{url}/cron-status"):
            print("compat check: the mock did not start", file=sys.stderr)
            return 2
        token = httpx.post(f"{url}/__mock/tokens", json={"identifier": "admin"}).json()["token"]
        print(f"pytest-base-url {version('pytest-base-url')} installed beside the suite", flush=True)
        checks = [
            [sys.executable, "-m", "pytest", "--pyargs", "contract_tests", "-q", "-p", "no:cacheprovider",
             "--base-url", url, "--token", token, "-k", "tc01 or tc03 or tc_monitors"],
            [sys.executable, "-m", "mock_server", "verify", url, "--as-live", "--token", token, "-k", "tc27", "-q"],
        ]  # fmt: skip
        for command in checks:
            done = subprocess.run(command)
            if done.returncode != 0:
                return done.returncode
        return 0
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
