"""`python -m ui` is the same as the `empty-chair` command."""

import sys

from ui.cli import main

sys.exit(main())
