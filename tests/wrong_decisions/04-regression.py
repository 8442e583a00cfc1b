"""Lab 04's decisions, each made the way a student who has not looked at the result might make it."""

WRONG_DECISIONS = {
    # "Typos are big misses, and the MSE punishes big misses": the squared errors drag the line to the typos.
    "ex2-typo-loss": 'typo_loss = "mean_squared_error"',
    # The classification habit: a sigmoid output never passes 1, far from a price in dollars.
    "ex4-price-output": 'price_activation = "sigmoid"\nprice_loss = "mean_squared_error"',
    # The curves look close together, so a few more epochs seem enough: they are still falling at 20.
    "ex5-epochs": "house_epochs = 20",
}
