"""Notification channels, each an adapter behind one interface."""
