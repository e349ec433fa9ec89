"""Segment features: the text-batch engine, layout signals, hashed n-grams and the page
table that neighbours are read from."""
