#!/usr/bin/env python
"""Django's command-line utility for Sluice."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.core.settings.base")
    from django.core.management import execute_from_command_line

    from apps.core.settings.env import ConfigError

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as exc:
        # Bad configuration is one clear line, not a traceback.
        print(f"sluice: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
