"""The data errors: every data problem is a `DatasetError` whose message is one sentence.

The sentence says what is wrong and what to do, so a CLI prints `str(err)` and exits
without a traceback. This module imports nothing, so every other module of the
package (and the commands, before TensorFlow) can import it.
"""

from __future__ import annotations


class DatasetError(Exception):
    """A data problem, explained in one sentence that a CLI prints as it is."""


class UnknownTaskError(DatasetError, ValueError):
    """A `--tasks` entry that names no known task."""


class DatasetUnavailableError(DatasetError):
    """Data that cannot be fetched here; the message says which file to place where.

    Attributes (None when not known): `url` of the missing file, `reason` it could
    not be downloaded, `place_at` where to put it by hand.
    """

    def __init__(self, message, url=None, reason=None, place_at=None):
        super().__init__(message)
        self.url, self.reason, self.place_at = url, reason, place_at


def unavailable_message(url: str, reason: str, place_at) -> str:
    """The one sentence for data that cannot be downloaded here."""
    return (
        f"Cannot download {url} ({reason}): fetch that file on a machine with internet "
        f"access and place it at {place_at}, then run again."
    )


def unavailable_error(url: str, reason: str, place_at) -> DatasetUnavailableError:
    """The error for data that cannot be downloaded here (see `unavailable_message`)."""
    return DatasetUnavailableError(
        unavailable_message(url, reason, place_at), url=url, reason=reason, place_at=place_at
    )


def all_unavailable(errors):
    """One `DatasetUnavailableError` naming every missing file of `errors` (a list of
    them, from preparing several tasks), so that a user fetches them all at once."""
    if len(errors) == 1:
        return errors[0]
    if not all(error.url and error.place_at for error in errors):
        return DatasetUnavailableError(" ".join(str(error) for error in errors))
    listing = "; ".join(f"{error.url} at {error.place_at}" for error in errors)
    return DatasetUnavailableError(
        f"Cannot download {len(errors)} files ({errors[0].reason}): fetch them on a machine with "
        f"internet access and place each where named ({listing}), then run again.",
        url=[error.url for error in errors], reason=errors[0].reason,
        place_at=[error.place_at for error in errors],
    )
