"""The review meeting's results: the files a meeting imports, the wording of its kind, the
review and acceptance opinions and the revision round (the panel's figures are
:mod:`nzc_review.store.figures`, kept by the store at finalization)."""
