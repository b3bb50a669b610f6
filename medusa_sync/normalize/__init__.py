"""The rules that turn raw feed values into normalized ones: prices, text, SKUs, stock."""
