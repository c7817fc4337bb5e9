"""Code shared by the model-quality AITs: labels, frames, bootstrap, slicing, plots.

Private to the built-in AITs; third-party AITs should not import it.
"""
