"""PyInstaller's entry script: the bundle's executable runs ``explorer.app.main``.

``explorer/__main__.py`` does the same, but as a script PyInstaller would put
``explorer/`` itself on the import path; this file lives outside the package.
"""

import sys

from explorer.app import main

if __name__ == "__main__":
    sys.exit(main())
