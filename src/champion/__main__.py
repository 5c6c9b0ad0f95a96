"""``python -m champion`` runs the command-line interface."""

from champion.cli.main import main

if __name__ == "__main__":
    main()
