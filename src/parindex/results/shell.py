"""Menu entries and home panels of the results app (filled in later)."""
