"""Lab 06's decisions, each made the way a student who has not looked at the curves closely might make it."""

WRONG_DECISIONS = {
    # Any run that is not good yet needs more epochs: the jumpy run is read as unfinished.
    "ex1-diagnosis": 'fixes = {"A": "use more training data", "B": "train longer", "C": "train longer"}',
    # The setting seen in examples on the web: with a loss near 0.2 no epoch improves it by 0.5.
    "ex2-early-stopping": (
        'early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, min_delta=0.5,\n'
        "                                               restore_best_weights=True)\n"
        'checkpoint = keras.callbacks.ModelCheckpoint("checkpoints/digits-best.keras", monitor="val_loss",'
        " save_best_only=True)\n"
        "es_history = es_model.fit(X_train[:300], y_train[:300], validation_data=(X_val, y_val), epochs=100,"
        " batch_size=32,\n"
        "                          verbose=0, callbacks=[early_stopping, checkpoint])"
    ),
}
