"""Reports on the live store: reservations (`inventory_reservations_report.md`) and stock health."""
