"""Errors a person can act on: each says what was wrong, where, and what to do."""


class PvError(Exception):
    """An error the command line prints as one sentence, without a traceback."""


class InputRefused(PvError):
    """A whole input (file, zip, folder) was refused; the database was not changed."""
