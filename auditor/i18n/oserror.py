"""Why a file could not be read or written, in the reader's words when the catalogue knows them."""

from __future__ import annotations

import errno

from auditor.i18n.catalogue import Lang, catalog
from auditor.i18n.phrase import Arg, phrase

_BY_ERRNO = {
    errno.EACCES: "os_error.permission_denied",
    errno.EPERM: "os_error.not_permitted",
    errno.ENOENT: "os_error.no_such_file",
    errno.ENOSPC: "os_error.no_space",
    errno.EROFS: "os_error.read_only",
    errno.ENOTDIR: "os_error.not_a_directory",
    errno.EISDIR: "os_error.is_a_directory",
    errno.EEXIST: "os_error.file_exists",
    errno.ELOOP: "os_error.too_many_links",
}
# auditor/files raises OSError(0, text, path) with texts of its own.
_OWN = (
    "os_error.not_regular",
    "os_error.dangling_link",
    "os_error.not_a_folder",
    "os_error.link_refused",
)


def os_reason(text: str, number: int | None = None) -> Arg:
    """``text`` (an ``OSError``'s ``strerror``) as a phrase, or as it is when none says it.

    A phrase is used only when its English is ``text`` to the byte, so the English
    line never changes, whatever the C library's wording of an errno.
    """
    english = catalog(Lang.EN)
    keys = [_BY_ERRNO[number]] if number in _BY_ERRNO else []
    for key in [*keys, *_OWN]:
        if english.t(key) == text:
            return phrase(key)
    return text
