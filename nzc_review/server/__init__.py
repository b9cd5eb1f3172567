"""The Voila server of ``nzc-review serve``: the guarded application and the meeting-sized kernel pool."""
