"""Words people read: the catalogues (``locales/*.toml``), phrases, and the templates' environment.

Checks and the report hold ``Phrase`` objects (a catalogue key and its
arguments); only formats and reminders turn them into French or English.
"""

from auditor.i18n.catalogue import (
    PLURAL_FORMS,
    Catalog,
    Entry,
    I18nError,
    Lang,
    Rendered,
    catalog,
    flatten,
    load_entries,
    machine_english,
    placeholders,
)

__all__ = [
    "PLURAL_FORMS",
    "Catalog",
    "Entry",
    "I18nError",
    "Lang",
    "Rendered",
    "catalog",
    "flatten",
    "load_entries",
    "machine_english",
    "placeholders",
]
