from whestbench import MLP  # noqa: F401
