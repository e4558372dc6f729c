"""Collections (recouvrement): late-payment interest, promises to pay, disputes, dunning.

The Django app's label is ``collections_app``, apart from Python's ``collections``.
"""
