"""The UI's words, one module per part of the UI (see api/ui/i18n.py for the format)."""
