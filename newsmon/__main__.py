"""``python -m newsmon`` is the ``newsmon`` command."""

from newsmon.cli import main

if __name__ == "__main__":
    main()
