"""Fengqiao (枫桥): the work platform of grassroots judicial offices and their city justice bureau."""

__version__ = "0.1.0"
