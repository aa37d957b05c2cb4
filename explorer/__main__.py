"""Allow ``python -m explorer`` (same as the ``feature-map-explorer`` command)."""

import sys

from explorer.app import main

if __name__ == "__main__":
    sys.exit(main())
