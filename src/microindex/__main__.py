"""`python -m microindex`: the same command line as the installed `microindex` script."""

from microindex.entrypoints.cli.app import main

if __name__ == "__main__":
    main()
