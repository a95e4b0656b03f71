"""pandas peer of `timbre preprocess TABLE --features song -o OUT` for bench/scale.bench.ts: the steps a pandas user
writes for the same result (read_csv, drop rows without a genre or a vital field, drop duplicate tracks and rare
classes, one-hot key and time signature, missing-value indicators, split by artist hash, median fill and
standardisation fitted on the train rows, to_csv). Timbre leaves the fill and scaling to training, so this peer does
slightly more arithmetic; both read and write the same rows and feature columns.
Usage: /usr/bin/python3 bench/pandas_preprocess.py TABLE OUT [--summary]
--summary prints JSON (kept rows, feature names, split counts, per-feature means of the encoded values before fill
and scaling) that the bench compares with timbre's output before timing anything."""
import json
import sys

import numpy as np
import pandas as pd

src, out = sys.argv[1], sys.argv[2]
summary = "--summary" in sys.argv[3:]

# The same cells timbre reads as missing (preprocess/table.ts cleanValue): empty, nan, NaN, NAN, null, None.
df = pd.read_csv(src, na_values=["", "nan", "NaN", "NAN", "null", "None"], keep_default_na=False)
df.columns = [c.strip().lower() for c in df.columns]

VITAL = ["duration", "tempo", "loudness", "key_confidence", "mode_confidence", "time_signature_confidence",
         "end_of_fade_in", "start_of_fade_out", "key", "mode", "time_signature"]
df["genre"] = df["genre"].astype("string").str.strip()
df = df[df["genre"].notna() & (df["genre"] != "")]
df = df.dropna(subset=VITAL)
df = df.drop_duplicates(subset="track_id", keep="first")
counts = df["genre"].value_counts()
df = df[df["genre"].map(counts) >= 10]  # timbre's --min-class-count default: rarer classes are dropped

# Features, in timbre's column order (preprocess/features.ts, group "song", key one-hot).
X = df[["duration", "tempo", "loudness", "key_confidence", "mode_confidence", "time_signature_confidence",
        "end_of_fade_in"]].astype("float64")
X["fade_out_length"] = df["duration"] - df["start_of_fade_out"]
keys = pd.get_dummies(df["key"].astype("int64"), prefix="key").reindex(columns=[f"key_{k}" for k in range(12)], fill_value=0)
X = pd.concat([X, keys.astype("float64")], axis=1)
X["mode"] = df["mode"].astype("float64")
ts = df["time_signature"].astype("int64")
TS = [1, 3, 4, 5, 7]
X = pd.concat([X, pd.get_dummies(ts, prefix="time_signature").reindex(columns=[f"time_signature_{t}" for t in TS], fill_value=0).astype("float64")], axis=1)
X["time_signature_other"] = (~ts.isin(TS)).astype("float64")
imputable = {"year": df["year"].where(df["year"] > 0)}  # year 0 means unknown in the MSD
for c in ["artist_familiarity", "artist_hotttnesss", "song_hotttnesss"]:
    imputable[c] = df[c].astype("float64")
indicators = []
for c, v in imputable.items():
    X[c] = v.astype("float64")
    if v.isna().any():  # an indicator only where some row needs it, as timbre does
        X[f"{c}_missing"] = v.isna().astype("float64")
        indicators.append(f"{c}_missing")

# Artist-disjoint split: artist_id (or the normalised artist name) hashed to 70 / 15 / 15 %.
group = df["artist_id"].astype("string") if "artist_id" in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")
group = group.fillna(df["artist_name"].astype("string").str.normalize("NFKC").str.lower().str.strip())
bucket = pd.util.hash_pandas_object(group, index=False).to_numpy() % 100
split = np.where(bucket < 70, "train", np.where(bucket < 85, "valid", "test"))
train = split == "train"

if summary:
    info = {"kept": int(len(X)), "features": list(X.columns), "train": int(train.sum()),
            "valid": int((split == "valid").sum()), "test": int((split == "test").sum()),
            "means": {c: float(X[c].mean()) for c in X.columns}}

# Median fill and standardisation, both fitted on the train rows (the continuous columns; one-hots stay 0/1).
X = X.fillna(X[train].median())
cont = ["duration", "tempo", "loudness", "key_confidence", "mode_confidence", "time_signature_confidence", "end_of_fade_in",
        "fade_out_length", *imputable.keys()]
mu, sd = X.loc[train, cont].mean(), X.loc[train, cont].std(ddof=0).replace(0, 1)
X[cont] = (X[cont] - mu) / sd

meta = pd.DataFrame({"track_id": df["track_id"], "artist": df["artist_name"], "title": df["title"], "group": group,
                     "split": split, "genre": df["genre"]}, index=df.index)
pd.concat([meta, X], axis=1).to_csv(out, index=False)
if summary:
    print(json.dumps(info))
