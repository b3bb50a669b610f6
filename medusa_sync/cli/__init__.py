"""The `medusa-sync` command line: commands parse arguments, call one function and render."""
