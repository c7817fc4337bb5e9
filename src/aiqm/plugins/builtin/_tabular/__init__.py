"""Vectorised computation shared by the tabular data-quality AITs.

Nothing here knows about a particular AIT: these modules turn Arrow columns into
numpy arrays, summaries and statistics, in as few passes over the data as
possible and on several threads where the libraries release the GIL.

- :mod:`.columns` — column kinds, column selection, category counts and codes.
- :mod:`.numeric` — statistics of sorted numeric columns (quantiles, histograms, ranks).
- :mod:`.parallel` — an ordered thread map.
- :mod:`.profile` — the dataset profile (per-column summary) and its JSON form.
- :mod:`.profile_cache` — profiles cached by dataset digest under ``cache_dir/profiles``.
- :mod:`.drift_stats` — two-sample statistics (KS, Wasserstein, PSI, Jensen–Shannon, chi-square).
- :mod:`.binning` — numeric bins (given edges or quantiles) and attribute codes.
- :mod:`.hashing` — row hashes comparable across datasets, duplicate groups, exact matching.
- :mod:`.figures` — small matplotlib helpers for the AITs' figures.
"""
