"""`python -m flows` is the `tealeaves` command."""

from flows.cli import main

main()
