"""Convolutional bases for the classifier; `registry` lists them."""
