"""The ipywidgets panels served by Voila (``panels/*.ipynb``): the expert's review form, the
chair's dashboard and the analysts' explorer. All rules live in the library (store, weighting,
panel statistics); these modules only wire widgets to those calls.
"""
