"""Lab 03's decisions, each made the way a student who has not looked at the result might make it."""

WRONG_DECISIONS = {
    # A linear hidden layer draws one straight line, whatever its width: no circle.
    "ex1-activation": 'circle_activation = "linear"',
    # Read off the flat start of the range test: three epochs at this rate hardly move the weights.
    "ex5-range-test": "sgd_learning_rate = 0.001",
    # Ten sigmoid layers with Keras's small random_normal start: the gradients vanish layer by layer.
    "ex6-deep-network": 'deep_activation = "sigmoid"\ndeep_initializer = "random_normal"',
}
