"""``python -m bildungsnetz.cli``: the command line, as the ``bildungsnetz`` console script."""

from bildungsnetz.cli import main

if __name__ == "__main__":  # not in spawned worker processes, which import this file as "__mp_main__"
    main()
