"""Review services (writes): imports, verification by data exchange, reviewer decisions."""
