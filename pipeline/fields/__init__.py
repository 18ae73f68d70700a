"""The facts of a reported event (when, where, who organised it, how many came, which
documents), one module per field; :func:`extract_fields` reads them all."""

from pipeline.fields.core import EventFields, extract_fields
from pipeline.fields.legal import legal_refs

__all__ = ["EventFields", "extract_fields", "legal_refs"]
