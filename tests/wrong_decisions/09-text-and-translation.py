"""Lab 09's decisions, each made the way a student who has not looked at the result might make it."""

WRONG_DECISIONS = {
    # Smallest is cheapest: twenty words turn almost every email into [UNK].
    "ex2-vocabulary": "VOCAB_SIZE = 20",
    # Keep TextVectorization's padding: the GRU's last state has read 150 zeros.
    "ex4-rnn-padding": 'RNN_PADDING = "post"',
    # The usual threshold: some ham lands in the spam folder.
    "ex5-ship": 'SHIP = "bag of words"\nTHRESHOLD = 0.5',
}
