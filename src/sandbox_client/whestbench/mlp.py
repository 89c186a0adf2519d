from whestbench import MLP, relu, run_mlp, run_mlp_all_layers  # noqa: F401
