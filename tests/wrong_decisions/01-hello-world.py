"""Lab 01's decisions, each made the way a student who has not looked at the result might make it."""

WRONG_DECISIONS = {
    # The other cast also silences the error, but int32 prices drop the cents: 2.50 becomes 2, 0.99 becomes 0.
    "ex2-dtype-fix": "    return tf.reduce_sum(quantities * tf.cast(prices, quantities.dtype))",
    # "Bigger steps, faster": ten times section 2's rate overshoots, and the weights blow up to NaN.
    "ex6-learning-rate": "learning_rate = 1.0",
}
