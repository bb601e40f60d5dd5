"""Pure statistics core: numpy, scipy and scikit-learn only, never Great Expectations."""
