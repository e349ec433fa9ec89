"""Models: the zoo of estimators, the stack, explanations, the fitted-model API, artifacts
(and their safe format) and the built-in default model."""
