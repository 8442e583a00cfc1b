"""Lab 05's decisions, each made the way a student who has not looked at the result might make it."""

WRONG_DECISIONS = {
    # Straight from the regression lab: the species is a number, so predict it as one.
    "ex1-iris-output": 'iris_output = keras.layers.Dense(1)\niris_loss = "mse"',
    # Softmax "for probabilities": over a single unit it is 1 for every applicant.
    "ex4-credit-output": (
        'credit_output = keras.layers.Dense(1, activation="softmax")\ncredit_loss = "binary_crossentropy"'
    ),
    # The usual threshold: half of the bad loans get through.
    "ex5-threshold": "threshold = 0.5",
}
