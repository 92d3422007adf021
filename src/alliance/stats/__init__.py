"""Statistics on scored data: reliable and clinically significant change,
goal attainment T-scores, expected recovery bands and alliance-outcome models.

Each statistic is one documented function (formula, reference, example);
frames are Polars and every computation is vectorised.
"""
