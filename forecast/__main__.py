"""``python -m forecast``: the same as the ``forecast`` command."""

from forecast.cli import main

main()
