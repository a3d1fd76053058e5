"""larch_sklearn: export fitted scikit-learn tree ensembles as Treelite checkpoints for larch.

    from larch_sklearn import export
    export(fitted_random_forest, 'model-repository/fraud/1/checkpoint.tl')

Needs only numpy (and scikit-learn to have fitted the model). See `python3 -m larch_sklearn -h`.
"""
from .sklearn_export import ExportError, export, predict_reference, to_model

__all__ = ['ExportError', 'export', 'predict_reference', 'to_model']
