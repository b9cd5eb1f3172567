"""Multi-criteria decision analysis: weighting, panel statistics, ranking and the recommendation rule."""
