"""The client page: a client's contacts, value, notes and every case, and its
edits by the people who hold the relationship."""
