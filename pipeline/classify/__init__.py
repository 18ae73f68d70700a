"""Classification: which kind of event a report describes, with the evidence for it."""
