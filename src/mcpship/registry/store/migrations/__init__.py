"""Alembic migrations of the registry store, run by :func:`mcpship.registry.store.engine.upgrade_to_head`."""
