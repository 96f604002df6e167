"""Indicators of legal education for the construction standard (items 14 and 15): every figure of the module's figures
contract, as `education.<code>`."""

from fengqiao.assessment.indicators import register_figures
from fengqiao.core.permissions import Module

from . import selectors

register_figures("education", Module.EDUCATION, selectors)
