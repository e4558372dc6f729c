"""What the customers layer tells the layers above, without knowing them.

``customer_changed`` is sent inside the transaction that changed a customer's
listed fields (name, segment, sales rep, limit...) without touching the ledger;
the reports app copies them into its cached positions.
"""

from django.dispatch import Signal

customer_changed = Signal()  # sender=Customer, customer=<the changed Customer>
