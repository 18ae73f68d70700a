"""Article extraction: bytes of a page in, clean text, lead, title and dates out."""
