"""Lab 02's decisions, each made the way a student who has not looked at the result might make it."""

WRONG_DECISIONS = {
    # The friend only a little below the others: weather and friend together still reach 60.
    "ex1-concert-weights": "concert_weights = [35, 30, 35]",
    # The circle's feature cross, copied to the four squares: x1² and x2² cannot tell the squares apart.
    "ex2-feature-cross": 'xor_features = ["x1^2", "x2^2"]',
    # Every feature the Playground has, but no hidden layer: one neuron still draws one flat boundary.
    "ex4-spiral": """spiral_settings = dict(features=["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"],
                       hidden_layers=0, neurons=8, activation="tanh", learning_rate=0.03)""",
    # "More regularisation is safer": at 0.3 the penalty crushes the weights and the network learns nothing.
    "ex5-l2-rate": "l2_rate = 0.3",
}
