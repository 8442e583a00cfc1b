"""Lab 11's decisions, each made the way a student who has not looked at the result might make it."""

WRONG_DECISIONS = {
    # Section 3 argued at length for the log price, so it must be the big win: alone, it is the worst step.
    "ex4-most-valuable-step": 'most_valuable_step = "log target"',
    # The steps the text argued for, with the loss that usually goes with them, and none of the "tricks":
    # at lab 04's learning rate the log target with the MSE runs off without the schedule or the bias start.
    "ex5-keep-steps": 'keep = ["features", "log target", "MSE loss"]',
}
