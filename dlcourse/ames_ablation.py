"""Lab 11's ablation, rebuilt from the raw Ames table: how its hidden tests measure a choice of steps.

The lab trains lab 04's network with some preparation steps switched on and compares the results
on validation houses. A hidden test must judge a student's choice of steps without using anything
the student's notebook built, so it repeats the protocol here, from ``load_ames`` and the same
split, with the encoding done in pandas, and measures the result on the test houses, which no
choice in the notebook has seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.model_selection import train_test_split

from dlcourse.datasets import load_ames
from dlcourse.seed import set_seed

#: The steps of the ablation, as the lab names them.
STEPS = ("features", "no giants", "log target", "MSE loss", "L2 penalty", "cosine schedule", "bias init")
#: The text columns the lab one-hot encodes.
NOMINAL = ("Neighborhood", "MS_SubClass", "MS_Zoning", "Bldg_Type", "Sale_Condition")
EPOCHS, BATCH_SIZE, LEARNING_RATE = 100, 64, 0.01
#: Standardised numbers are capped at this many standard deviations, as the lab's preprocessor does.
CAP = 4.0


def split() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lab 04's split: the houses the network is fitted on (validation houses left out), and the test houses."""
    known, test = train_test_split(load_ames(), test_size=0.2, random_state=42)
    return known.iloc[: -int(0.2 * len(known))], test


def _numbers(houses: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The numeric inputs with the lab's four derived features."""
    return (
        houses[list(columns)]
        .assign(
            Age=houses["Year_Sold"] - houses["Year_Built"],
            Years_Since_Remodel=houses["Year_Sold"] - houses["Year_Remod_Add"],
            Total_Bathrooms=houses["Full_Bath"]
            + houses["Bsmt_Full_Bath"]
            + 0.5 * (houses["Half_Bath"] + houses["Bsmt_Half_Bath"]),
            Total_SF=houses["Gr_Liv_Area"] + houses["Total_Bsmt_SF"],
        )
        .astype("float64")
    )


def encode(
    houses: pd.DataFrame, fit: pd.DataFrame, steps: Sequence[str], ordinal: Mapping[str, Sequence[str]]
) -> np.ndarray:
    """The network's inputs: lab 04's standardised numbers, or with "features" the lab's engineered encoding."""
    raw = [column for column in fit.select_dtypes("number").columns if column != "Sale_Price"]
    if "features" not in steps:
        reference = fit[raw].astype("float64")
        return ((houses[raw] - reference.mean()) / reference.std(ddof=0)).to_numpy("float32")
    numeric = [column for column in raw if column != "BsmtFin_SF_1"]  # a code, not a number (section 1)
    reference = _numbers(fit, numeric)
    standardised = (_numbers(houses, numeric) - reference.mean()) / reference.std(ddof=0)
    blocks = [standardised.clip(-CAP, CAP).to_numpy()]
    for column, levels in ordinal.items():
        ranks = {level: (rank + 1) / len(levels) for rank, level in enumerate(levels)}
        blocks.append(houses[column].map(ranks).fillna(0).to_numpy()[:, None])
    for column in NOMINAL:
        categories = sorted(fit[column].unique())
        one_hot = [houses[column].to_numpy() == category for category in categories]
        blocks.append(np.column_stack([*one_hot, ~houses[column].isin(categories).to_numpy()]))
    return np.column_stack(blocks).astype("float32")


def held_out_mae(steps: Sequence[str], ordinal: Mapping[str, Sequence[str]], seed: int = 3) -> float:
    """Test MAE ($) of lab 04's network trained with ``steps`` on the fit houses.

    ``ordinal`` maps each graded text column to its levels, worst first (the lab's ``ORDINAL``).
    """
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise ValueError(f"unknown steps {sorted(unknown)}; the steps are {list(STEPS)}")
    fit, test = split()
    rows = fit[fit["Gr_Liv_Area"] <= 4000] if "no giants" in steps else fit
    x = encode(rows, fit, steps, ordinal)
    prices = rows["Sale_Price"].to_numpy("float64")
    target = (np.log(prices) if "log target" in steps else prices).astype("float32")

    set_seed(seed)
    per_epoch = int(np.ceil(len(x) / BATCH_SIZE))
    penalty = keras.regularizers.L2(0.003) if "L2 penalty" in steps else None
    rate = (
        keras.optimizers.schedules.CosineDecay(LEARNING_RATE, decay_steps=EPOCHS * per_epoch)
        if "cosine schedule" in steps
        else LEARNING_RATE
    )
    start = keras.initializers.Constant(float(target.mean())) if "bias init" in steps else "zeros"
    network = keras.Sequential(
        [
            keras.Input(shape=(x.shape[1],)),
            keras.layers.Dense(64, activation="relu", kernel_regularizer=penalty),
            keras.layers.Dense(64, activation="relu", kernel_regularizer=penalty),
            keras.layers.Dense(1, bias_initializer=start),
        ]
    )
    network.compile(
        optimizer=keras.optimizers.Adam(learning_rate=rate),
        loss="mse" if "MSE loss" in steps else "mae",
        steps_per_execution=per_epoch,
    )
    batches = tf.data.Dataset.from_tensor_slices((x, target)).shuffle(len(x), seed=seed).batch(BATCH_SIZE).repeat()
    network.fit(batches, epochs=EPOCHS, steps_per_epoch=per_epoch, shuffle=False, verbose=0)

    outputs = np.asarray(network(encode(test, fit, steps, ordinal)), dtype="float64").ravel()
    predicted = np.exp(np.clip(outputs, 0, 20)) if "log target" in steps else outputs
    return float(np.mean(np.abs(predicted - test["Sale_Price"].to_numpy("float64"))))
