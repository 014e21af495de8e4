"""Use cases. Each takes the acting user, flushes, and leaves the commit to its caller."""
