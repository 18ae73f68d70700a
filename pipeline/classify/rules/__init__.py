"""Rule files the pipeline reads as data (classify.yaml); a package so that they ship with it."""
