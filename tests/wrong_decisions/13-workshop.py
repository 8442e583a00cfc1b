"""The workshop's decisions, each made the way a student who has not looked at the result might make it."""

WRONG_DECISIONS = {
    # Strength read as a probability: a sigmoid output never passes 1 MPa.
    "ex3-network": """
normalization = keras.layers.Normalization()
normalization.adapt(np.asarray(X, dtype="float32"))
model = keras.Sequential([keras.Input(shape=(8,)), normalization, keras.layers.Dense(64, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
return model
""",
    # The first curves are still falling: calling it overfitting prescribes the wrong fix.
    "ex4-diagnosis": 'diagnosis = "overfitting"',
}
#: The final model starts from build_network, and the hidden test set scores that model.
ALSO_ZEROED = {"ex3-network": {"ex5-final-tests", "ex7-hidden-score-tests"}}
