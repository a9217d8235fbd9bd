"""Timer kinds owned by the notifications area."""

OBSERVER_DIGEST = "observer_digest"
