"""Insights: backtests of pacts over stored or exported history, and the predictive model of won deals."""
