//! Pure survey statistics: designs, calibration, estimators, variance, confidence intervals, tests.
