"""Lab 10's decisions, each made the way a student who has not looked at the result might make it."""

WRONG_DECISIONS = {
    # "Transfer learning is gentle": the fine-tuning rate for a head that starts from random weights.
    # Twenty steps at 1e-4 leave it close to its random start.
    "ex2-head-learning-rate": "HEAD_LEARNING_RATE = 1e-4",
    # The head's rate again: five epochs at 0.01 pull block 3's pretrained weights towards ten images.
    "ex4-fine-tune-learning-rate": "FINE_TUNE_LEARNING_RATE = 0.01",
}
