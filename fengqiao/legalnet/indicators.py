"""Indicators of the public legal service network for the construction standard (items 4 and 12):
every figure of the module's figures contract, as `legalnet.<code>`."""

from fengqiao.assessment.indicators import register_figures
from fengqiao.core.permissions import Module

from . import selectors

register_figures("legalnet", Module.LEGAL_SERVICES, selectors)
