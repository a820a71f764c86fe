"""Supply-chain records of a build: CycloneDX SBOMs (:mod:`.sbom`), the in-toto / SLSA provenance statement
(:mod:`.provenance`), and the list of both beside the artifacts for channels to attach (:mod:`.records`)."""

from mcpship.security.records import SupplyChainRecord, supply_chain_records

__all__ = ["SupplyChainRecord", "supply_chain_records"]
