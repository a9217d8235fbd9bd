"""Bundled drill scenarios (TOML), run with `warroom drill run NAME`."""
