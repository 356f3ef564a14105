"""``python -m gatehouse.cli``: the same as the ``gatehouse`` command."""

from gatehouse.cli.app import main

main()
