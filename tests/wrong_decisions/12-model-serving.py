"""Lab 12's decisions, each made the way a student who has not looked at the result might make it."""

WRONG_DECISIONS = {
    # The message read as a complaint about the request's format: the columnar "inputs" still holds
    # rows of 64 numbers, which the model (8×8 images) refuses just the same.
    "ex5-repair": 'return {"inputs": body["instances"]}',
    # The newest version, with the colleague's perfect score on the images it learned by heart.
    "ex6-version": "serve_version = 2",
}
