"""The JSON Lines dump of every table: `warroom export` writes it, `warroom import` reads it."""
