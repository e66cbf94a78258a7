"""Menu entries and home panels of the appraisals app (filled in later)."""
