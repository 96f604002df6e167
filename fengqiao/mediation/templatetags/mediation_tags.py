from django import template

from fengqiao.mediation import codes

register = template.Library()


@register.filter
def step_label(step):
    return codes.Transition(step).label
