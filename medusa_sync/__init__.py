"""medusa-sync: keep a Medusa v2 store's inventory true to its distributors' feeds."""

__version__ = "0.1.0"
