"""budget-extract: Chinese budget and final-accounts reports into verified JSON datasets."""

__version__ = "0.1.0"
