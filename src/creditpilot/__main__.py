"""The ``creditpilot`` command's entry point (and ``python -m creditpilot``'s).

Python's cyclic garbage collector is paused while the command's modules load: loading
Django, its apps' models and a database driver makes some 300,000 objects, none of them
garbage, and the collector walked them again and again as they came (30 to 60 ms of a
report's 0.3 s start, issue 12). ``cli.setup_django`` freezes what was loaded and lets
the collector run again before the command's own work.
"""

import gc

gc.disable()

from creditpilot.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
