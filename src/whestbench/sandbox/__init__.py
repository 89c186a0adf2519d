"""The sandbox runner's parts: the wire codec (shared with the numpy-free client), the bubblewrap
launcher and the server that holds the arrays and the meter (docs/whestbench.md, "Sandbox")."""
