"""Reading and writing: one formats table, decoding, page readers, labelled data and its
split, output writers."""
