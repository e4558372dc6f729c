"""Customer risk: payment behaviour from the ledger, financial statements, scores and ratings."""
