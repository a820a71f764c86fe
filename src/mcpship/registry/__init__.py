"""The self-hostable MCP Registry: the official Registry API (``/v0`` and ``/v0.1``) on SQLite or PostgreSQL.

Install with ``pip install 'mcpship[registry]'``; start with ``mcpship registry serve``. Layout:

- ``config``     :class:`RegistrySettings`, every knob of a deployment (one frozen object)
- ``store/``     SQLAlchemy 2 tables, Alembic migrations, the transactional publish path
- ``service``    the official business rules (immutability, isLatest, status changes, limits)
- ``auth/``      registry-issued Ed25519 JWTs and the token exchanges (none, github-oidc, github-at, dns, http)
- ``ownership/`` publish-time proofs against npm, PyPI-compatible, OCI registries and MCPB downloads
- ``api/``       the Starlette app: routes, problem+json errors, ETags, metrics, OpenAPI
- ``web/``       the server-rendered catalogue at ``/``
"""
