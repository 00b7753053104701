"""Container health probe: `python -m annuaire.healthcheck` exits 0 when /healthz says ok.

It calls the app over loopback with the first ALLOWED_HOSTS name as Host header,
so it passes host validation without widening ALLOWED_HOSTS.
"""

import os
import sys
import urllib.request


def main():
    host = (os.environ.get("ALLOWED_HOSTS") or "localhost").split(",")[0].strip()
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"healthcheck failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
