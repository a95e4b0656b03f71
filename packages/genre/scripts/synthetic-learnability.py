"""Artist-disjoint 5-fold CV (scikit-learn) on a synthetic-features.ts CSV: how learnable the synthetic corpus is.
Usage: /usr/bin/python3 packages/genre/scripts/synthetic-learnability.py features.csv"""
import sys
import numpy as np, csv
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import RandomForestClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.pipeline import make_pipeline
from sklearn.model_selection import GroupKFold, cross_val_score
rows = list(csv.reader(open(sys.argv[1]))); hdr = rows[0]; rows = rows[1:]
y = np.array([r[0] for r in rows]); g = np.array([r[1] for r in rows]); X = np.array([[float(x) for x in r[2:]] for r in rows]); cols = hdr[2:]
idx = lambda names: [cols.index(n) for n in names]
scal = ['tempo','loudness','duration','mode','key','time_signature']
scal2 = scal + ['energy','danceability','artist_familiarity','artist_hotttnesss','year']
tm = [f'tm{k}' for k in range(12)]; tv=[f'tv{k}' for k in range(12)]; pm=[f'pm{k}' for k in range(12)]
for name, cs in [('seed6', scal), ('scalars11', scal2), ('timbre means', tm), ('timbre var', tv), ('timbre mean+var', tm+tv), ('pitch means', pm), ('all', scal2+tm+tv+pm)]:
  out = []
  for mname, m in [('logreg', make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))), ('rf', RandomForestClassifier(200, random_state=0, n_jobs=1))]:
    s = cross_val_score(m, X[:, idx(cs)], y, groups=g, cv=GroupKFold(5)); out.append(f'{mname} {s.mean():.3f}')
  print(f'{name:18s}', *out)
from collections import Counter; print('majority', Counter(y).most_common(1)[0][1]/len(y))
