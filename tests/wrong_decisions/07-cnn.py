"""Lab 07's decisions, each made the way a student who has not looked at the result might make it."""

WRONG_DECISIONS = {
    # Two convolutions and no pooling: Flatten hands 24 x 24 x 16 numbers to the Dense layer, far over the budget.
    "ex4-cnn": """return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
])""",
}
