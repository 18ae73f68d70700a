"""Sample article texts (YAML, one file per site) and verbatim copies of the seed texts."""
