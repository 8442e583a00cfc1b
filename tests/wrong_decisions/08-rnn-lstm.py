"""Lab 08's decisions, each made the way a student who has not looked at the result might make it."""

WRONG_DECISIONS = {
    # The lag that stands out first on the plot: the dip, half a cycle, where peaks meet troughs.
    "ex3-cycle": "cycle_months = 60",
    # Softmax "for a probability": over a single unit it is 1 for every name, so every name is male.
    "ex4-name-classifier": """model = keras.Sequential([
    keras.Input(shape=(max_length,), dtype="int64"),
    keras.layers.Embedding(len(vocabulary), 16, mask_zero=True),
    recurrent_layer,
    keras.layers.Dense(1, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="binary_crossentropy",
              metrics=["accuracy"])
return model""",
}
