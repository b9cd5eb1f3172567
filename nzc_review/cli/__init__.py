"""The ``nzc-review`` command line: the parser, argument types, output helpers and the commands."""
