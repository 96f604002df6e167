"""Indicators of party building for the construction standard (items 1-3): every figure of the module's figures
contract, as `party.<code>`."""

from fengqiao.assessment.indicators import register_figures
from fengqiao.core.permissions import Module

from . import selectors

register_figures("party", Module.PARTY, selectors)
