"""The review page: a small local web app over the facts store (extractor/store.py) where a person accepts,
rejects or corrects each extracted claim, seeing it highlighted in the article text."""
from extractor.review.app import create_app, serve

__all__ = ["create_app", "serve"]
