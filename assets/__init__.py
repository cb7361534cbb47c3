"""Themes (QSS template and token sets) shipped with the app."""
