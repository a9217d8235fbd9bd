"""The responder console and the public status page (server-rendered, Jinja2 + htmx)."""
