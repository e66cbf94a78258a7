"""parindex — the yearly Public Administration Reform Index (Chỉ số CCHC), end to end."""

__version__ = "0.1.0"
