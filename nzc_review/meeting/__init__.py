"""The review meeting's results: the panel's figures, the review opinion and the revision round."""
