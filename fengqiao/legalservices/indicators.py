"""Indicators of public legal services for the construction standard (items 5, 11 and 13): every
figure of the module's figures contract, as `legalservices.<code>`."""

from fengqiao.assessment.indicators import register_figures
from fengqiao.core.permissions import Module

from . import selectors

register_figures("legalservices", Module.LEGAL_SERVICES, selectors)
