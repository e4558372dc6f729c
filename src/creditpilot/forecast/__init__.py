"""Forecasting: predicted payment dates with their backtest, and the cash-in forecast."""
