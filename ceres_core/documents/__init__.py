"""Documents CERES produces as PDF (activation letters, attestations).

:mod:`ceres_core.documents.pdf` holds the shared A4 layout
(:class:`~ceres_core.documents.pdf.OfficialDocument`); each document has its own
module that renders a frozen data object to ``bytes`` and touches no database.
"""

from ceres_core.documents.pdf import OfficialDocument, french_date, to_winansi

__all__ = ["OfficialDocument", "french_date", "to_winansi"]
