"""``python -m cmalt_qa``: the ``cmalt-qa`` command line (:func:`cmalt_qa.cli.main`)."""

import sys

from .cli import main

sys.exit(main())
