"""The MCP Registry API client, shared by the CLI (``login``, ``publish --channel registry``, ``search``) and by
``registry mirror``: :mod:`.client` (requests, paging, problem+json errors), :mod:`.proofs` (login proofs) and
:mod:`.tokens` (registry tokens kept per registry URL).

Import the submodules directly; this package imports nothing so that commands that do not talk to a registry do
not pay for ``httpx``.
"""
