"""Errors a user can cause. The CLI turns them into one line on stderr and exit code 2."""


class UsageError(Exception):
    """Bad input from the user: a flag, a missing or corrupt file, a wrong shape.

    The message is shown as one line; it should name the offending input.
    """
