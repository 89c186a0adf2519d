from whestbench import API_VERSION, BaseEstimator, SetupContext  # noqa: F401
